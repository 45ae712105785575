"""The campaign commands run the same jobs as the pages and say what they did, or why not."""

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import AudienceMember, CampaignResult
from campaigns.tests.conftest import population
from campaigns.tests.test_results import spring  # noqa: F401  (a hand-made measured campaign)
from core.models import Job


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_build_audience_prints_the_counts_of_every_treatment(no_global_control, make_campaign):
    population(30, email_every=3)
    campaign = make_campaign(treatments=[{"holdout_share": "0"}])
    output = run("build_audience", "welcome back")
    assert "A: segment 30; excluded: global control 0, no consent 20, fatigue 0, higher priority 0" in output
    assert "treatment 10, control 0" in output
    assert AudienceMember.objects.filter(campaign=campaign).count() == 10
    job = Job.objects.get(kind=Job.Kind.AUDIENCE_BUILD)
    assert (job.status, job.params) == (Job.Status.SUCCEEDED, {"campaign_id": campaign.pk})


def test_compute_results_prints_the_net_incremental_profit(spring):  # noqa: F811
    output = run("compute_results", str(spring.pk))
    assert "net incremental P&L 4.10" in output
    assert CampaignResult.objects.get(campaign=spring).version == 1
    assert Job.objects.get(kind=Job.Kind.RESULTS).status == Job.Status.SUCCEEDED


def test_a_campaign_that_was_never_released_cannot_be_measured(no_global_control, make_campaign):
    make_campaign()
    with pytest.raises(CommandError, match="nothing to measure yet: the campaign has not been released"):
        run("compute_results", "Welcome back")
    assert Job.objects.get(kind=Job.Kind.RESULTS).status == Job.Status.FAILED


def test_an_unknown_campaign_is_named_in_the_error(db):
    with pytest.raises(CommandError, match="No campaign has the id or name 'Autumn'"):
        run("build_audience", "Autumn")
    assert not Job.objects.exists()
