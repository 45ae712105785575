"""A worker killed with SIGKILL while it loads the demo data: the database is left empty, as before, and the
job loads the whole demo on its next attempt."""

from datetime import date

import pytest

from campaigns.models import Campaign
from core.models import Job
from customers.models import Customer, MonthlySales, Purchase
from desk.tasks import demo_data_enqueue
from reporting.models import Scenario
from scorecards.models import Assessment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_killed_demo_load_leaves_an_empty_database_and_loads_whole_again(fault, admin_user):
    job = fault.kill_mid_job(
        lambda: demo_data_enqueue(customers=60, seed=3, end=date(2026, 6, 30), owner=admin_user),
        held=MonthlySales,  # summed once every file is imported
    )

    assert job.progress >= 59  # the five files imported
    assert not Customer.objects.exists() and not Purchase.objects.exists() and not Campaign.objects.exists()
    queued = fault.recover(job)
    assert (queued.status, queued.message) == (
        Job.Status.QUEUED,
        "Attempt 1 of 3 stopped: its worker stopped. Trying again.",
    )
    again = fault.finished(job)
    assert again.status == Job.Status.SUCCEEDED, again.error
    assert Customer.objects.count() == 60 and Purchase.objects.exists()
    assert Campaign.objects.exists() and Scenario.objects.count() == 3 and Assessment.objects.count() == 2
