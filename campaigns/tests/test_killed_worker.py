"""A real worker process killed with SIGKILL in the middle of a build leaves the previous audience in place,
and the job, queued again, builds the new one."""

import pytest

from campaigns.models import AudienceBuild, AudienceMember
from campaigns.services import audience_build
from campaigns.tasks import audience_build_enqueue
from campaigns.tests.conftest import population
from core.models import Job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def members(campaign) -> set[tuple[int, bool]]:
    return set(AudienceMember.objects.filter(campaign=campaign).values_list("customer_id", "is_control"))


def test_a_killed_build_leaves_the_old_audience_and_its_job_is_queued_again(
    fault, no_global_control, make_campaign, marketer
):
    population(2_000)
    campaign = make_campaign(treatments=[{"holdout_share": "0.1"}])
    audience_build(campaign=campaign)
    before = members(campaign)
    campaign.treatments.update(holdout_share="0.6")

    job = fault.kill_mid_job(
        lambda: audience_build_enqueue(campaign=campaign, owner=marketer),
        held=AudienceBuild,  # written last: the worker dies with the members replaced, not yet committed
    )

    assert job.progress >= 75
    assert members(campaign) == before
    assert campaign.builds.count() == 1
    assert job.status == "running"  # nobody told the job: the worker died
    lost = fault.recover(job)
    assert lost.status == "queued" and lost.message.startswith("Attempt 1 of 3 stopped: its worker stopped.")
    assert fault.finished(job).status == Job.Status.SUCCEEDED
    assert campaign.builds.count() == 2
    rebuilt = members(campaign)
    assert {customer for customer, _ in rebuilt} == {customer for customer, _ in before}
    assert 0.55 < sum(control for _, control in rebuilt) / len(rebuilt) < 0.65
