"""A worker killed with SIGKILL while it measures a campaign: the results shown stay the last published ones,
and the job measures again to the new figures."""

from datetime import datetime

import pytest
from django.utils import timezone

from core.models import Job
from customers.models import Customer, Purchase
from reporting.models import CampaignResult
from reporting.selectors import latest_result
from reporting.services import results_run
from reporting.tasks import results_enqueue
from reporting.tests.test_campaign_results import spring  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def responders(result: CampaignResult) -> int:
    return result.payload["treatments"][0]["treatment"]["responders"]


def test_a_killed_measurement_keeps_the_shown_results_and_measures_again(fault, spring, marketer):  # noqa: F811
    shown = results_run(campaign=spring)
    assert responders(shown) == 2
    Purchase.objects.create(  # c now responds inside the window
        line_id="8",
        customer=Customer.objects.get(external_id="c"),
        purchased_at=timezone.make_aware(datetime(2026, 3, 25, 10)),
        channel=Purchase.Where.STORE,
        order_ref="C2",
        quantity=1,
        revenue_cents=1_500,
    )

    job = fault.kill_mid_job(
        lambda: results_enqueue(campaign=spring, owner=marketer),
        held=Purchase,  # read once the version is reserved: the worker dies in the long part
    )

    assert latest_result(spring) == shown and latest_result(spring).payload == shown.payload
    queued = fault.recover(job)
    assert (queued.status, queued.message) == (
        Job.Status.QUEUED,
        "Attempt 1 of 3 stopped: its worker stopped. Trying again.",
    )
    assert fault.finished(job).status == Job.Status.SUCCEEDED
    assert responders(latest_result(spring)) == 3
    assert latest_result(spring).version == 3  # the killed run's reservation is never shown
