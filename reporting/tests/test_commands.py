"""`compute_results` runs the same job as the results page and says what it measured, or why not."""

import pytest
from django.core.management import CommandError

from campaigns.tests.test_commands import run
from core.models import Job
from reporting.models import CampaignResult
from reporting.tests.test_campaign_results import spring  # noqa: F401  (a hand-made measured campaign)


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
