"""A real worker process killed with SIGKILL in the middle of a build leaves the previous audience in place."""

import time

import pytest
from django.db import connection, connections

from campaigns.models import AudienceBuild, AudienceMember
from campaigns.services import audience_build
from campaigns.tasks import audience_build_enqueue
from campaigns.tests.conftest import population
from core.models import Job
from core.services import jobs_recover
from core.tests.workers import kill_group, wait_for, worker_process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_killed_build_leaves_the_old_audience_and_its_job_is_queued_again(
    no_global_control, make_campaign, marketer, settings
):
    population(2_000)
    campaign = make_campaign(treatments=[{"holdout_share": "0.1"}])
    audience_build(campaign=campaign)
    before = set(AudienceMember.objects.filter(campaign=campaign).values_list("customer_id", "is_control"))
    campaign.treatments.update(holdout_share="0.6")

    worker = worker_process(pool="solo")
    # Hold the table the build writes last, so the worker is caught inside its transaction.
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {AudienceBuild._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    try:
        job = audience_build_enqueue(campaign=campaign, owner=marketer)
        wait_for(lambda: Job.objects.get(pk=job.pk).progress >= 75)  # members replaced, not yet committed
        kill_group(worker)
    finally:
        blocker.rollback()
        blocker.close()
        kill_group(worker)

    wait_for(lambda: not _other_writers())  # the dead worker's transaction has been rolled back
    assert set(AudienceMember.objects.filter(campaign=campaign).values_list("customer_id", "is_control")) == before
    assert campaign.builds.count() == 1
    assert Job.objects.get(pk=job.pk).status == "running"  # nobody told the job: the worker died
    settings.JOB_DEAD_SECONDS = 2
    time.sleep(2.1)
    assert jobs_recover() == {"retried": 1, "failed": 0, "resent": 0}
    lost = Job.objects.get(pk=job.pk)
    assert lost.status == "queued" and lost.message.startswith("Attempt 1 of 3 stopped: its worker stopped.")


def _other_writers() -> bool:
    """Whether another session of this database holds an open transaction that has written something."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0
