"""A worker killed with SIGKILL while it sums the monthly sales: the last summary stays whole, and the job runs
again to the new figures."""

import pytest

from core.models import Job
from customers.models import MonthlySales
from customers.services import monthly_sales_refresh
from customers.tasks import monthly_sales_enqueue

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PURCHASES = (
    "line_id,customer_id,purchased_at,quantity,revenue,order_ref,store,channel,category\n"
    "1,A1,2026-01-10 10:00:00,1,30.00,O1,S1,store,FOOD\n"
    "2,B2,2026-02-03 10:00:00,2,70.00,O2,,online,HOME\n"
)
MARCH = "line_id,customer_id,purchased_at,quantity,revenue,order_ref,store,channel,category\n" + (
    "3,C3,2026-03-05 10:00:00,1,12.50,O3,S1,store,FOOD\n"
)


def summary() -> list[tuple]:
    return list(MonthlySales.objects.order_by("month", "channel").values_list("month", "channel", "revenue_cents"))


def test_a_killed_summary_keeps_the_last_one_and_is_summed_again(fault, shop, load, marketer):
    load("purchases", PURCHASES)
    monthly_sales_refresh()
    before = summary()
    load("purchases", MARCH)

    job = fault.kill_mid_job(lambda: monthly_sales_enqueue(owner=marketer), held=MonthlySales)

    assert summary() == before
    queued = fault.recover(job)
    assert queued.status == Job.Status.QUEUED
    assert queued.message == "Attempt 1 of 3 stopped: its worker stopped. Trying again."
    finished = fault.finished(job)
    assert (finished.status, finished.attempts) == (Job.Status.SUCCEEDED, 2)
    assert [(month.month, revenue) for month, _, revenue in summary()] == [(1, 3_000), (2, 7_000), (3, 1_250)]
