"""The campaign commands run the same jobs as the pages and say what they did, or why not."""

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import AudienceMember
from campaigns.tests.conftest import population
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
    assert (
        "A: segment 30; excluded: suppressed 0, global control 0, no consent 20, topic opt out 0, channel fatigue 0, "
        "fatigue 0, higher priority 0"
    ) in output
    assert "treatment 10, control 0" in output
    assert AudienceMember.objects.filter(campaign=campaign).count() == 10
    job = Job.objects.get(kind=Job.Kind.AUDIENCE_BUILD)
    assert (job.status, job.params) == (Job.Status.SUCCEEDED, {"campaign_id": campaign.pk})


def test_an_unknown_campaign_is_named_in_the_error(db):
    with pytest.raises(CommandError, match="No campaign has the id or name 'Autumn'"):
        run("build_audience", "Autumn")
    assert not Job.objects.exists()
