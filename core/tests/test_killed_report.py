"""A worker killed with SIGKILL while it writes the database health report: the last report stays as it was,
and the job runs again to a new one."""

import pytest
from django.contrib.auth.models import Group

from core.health import database_report as database_report_work
from core.models import Job
from core.services import job_enqueue, job_run
from core.tasks import database_report

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def report_enqueue(owner) -> Job:
    return job_enqueue(kind=Job.Kind.DATABASE_REPORT, title="Database health report", owner=owner, task=database_report)


def test_a_killed_report_leaves_the_last_one_and_is_written_again(fault, manager):
    last = Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Database health report", owner=manager)
    job_run(last.pk, database_report_work)
    last.refresh_from_db()

    # Every table is measured: a locked one holds the report halfway.
    job = fault.kill_mid_job(lambda: report_enqueue(manager), held=Group)

    assert Job.objects.get(pk=last.pk).result == last.result
    queued = fault.recover(job)
    assert (queued.status, queued.message) == (
        Job.Status.QUEUED,
        "Attempt 1 of 3 stopped: its worker stopped. Trying again.",
    )
    again = fault.finished(job)
    assert again.status == Job.Status.SUCCEEDED
    assert again.result["server_version"] == last.result["server_version"]
    assert len(again.result["largest_tables"]) == len(last.result["largest_tables"]) > 0
