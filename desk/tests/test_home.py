"""The home page and the toolbar's search, which read several apps at once."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from core.models import Job
from core.services import job_run
from customers.models import MonthlySales, Purchase
from customers.tasks import monthly_sales_enqueue, monthly_sales_job
from customers.tests.factories import CustomerFactory


def test_the_home_page_counts_the_users_jobs_that_ran_and_failed(client, marketer):
    for status in (Job.Status.SUCCEEDED, Job.Status.SUCCEEDED, Job.Status.FAILED):
        Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Report", owner=marketer, status=status)
    client.force_login(marketer)
    tiles = {tile["label"]: tile["value"] for tile in client.get(reverse("home")).context["tiles"]}
    assert (tiles["Jobs run"], tiles["Jobs failed"]) == (2, 1)


def test_the_home_page_lists_the_newest_jobs_the_user_may_see(client, marketer, segment_owner, manager):
    for number in range(10):
        Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title=f"Report {number}", owner=marketer)
    Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Owner's report", owner=segment_owner)

    def recent(user) -> list[str]:
        client.force_login(user)
        return [job.title for job in client.get(reverse("home")).context["recent_jobs"]]

    assert recent(marketer) == [f"Report {number}" for number in range(9, 1, -1)]
    assert recent(segment_owner) == ["Owner's report"]
    assert recent(manager) == ["Owner's report", *(f"Report {number}" for number in range(9, 2, -1))]
    page = client.get(reverse("home")).content.decode()
    assert "Owner&#x27;s report</a>" in page and "Queued · now" in page


def test_search_finds_customers_and_the_users_own_jobs(client, marketer):
    CustomerFactory(name="Greta Lindqvist")
    Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Lindqvist report", owner=marketer)
    client.force_login(marketer)
    page = client.get(reverse("search"), {"q": "lindqvist"}).content.decode()
    assert "Greta Lindqvist" in page
    assert "Lindqvist report" in page


def test_search_waits_for_two_letters(client, marketer):
    CustomerFactory(name="Greta Lindqvist")
    client.force_login(marketer)
    assert client.get(reverse("search"), {"q": "g"}).context["groups"] == []


def test_a_customer_without_an_email_is_listed_without_a_dangling_separator(client, marketer):
    CustomerFactory(name="Greta Lindqvist", external_id="G-1", email="")
    client.force_login(marketer)
    [(_, hits)] = client.get(reverse("search"), {"q": "lindqvist"}).context["groups"]
    assert hits[0].detail == "G-1"


def test_the_sales_chart_says_how_much_of_each_months_revenue_its_margin_covers(client, marketer):
    MonthlySales.objects.create(
        month="2026-01-01", channel="store", revenue_cents=4_000, margin_cents=900, margin_revenue_cents=3_000, lines=2
    )
    MonthlySales.objects.create(
        month="2026-02-01", channel="store", revenue_cents=700, margin_cents=None, margin_revenue_cents=0, lines=1
    )
    client.force_login(marketer)
    page = client.get(reverse("home")).content.decode()
    assert "margin 9.00 (known for 75.0% of revenue)" in page
    assert "margin unknown" in page


def test_the_jobs_chart_of_someone_without_jobs_starts_at_zero(client, segment_owner):
    client.force_login(segment_owner)
    charts = {chart["id"]: chart["figure"] for chart in client.get(reverse("home")).context["charts"]}
    assert charts["chart-jobs"]["layout"]["yaxis"]["range"] == [0, 1]


def sales_job(owner) -> None:
    """A sales summary as a worker runs it: recorded as a job, which ends succeeded."""
    job = monthly_sales_enqueue(owner=owner)
    job_run(job.pk, monthly_sales_job)


def purchase(day: int, month: int, revenue_cents: int) -> None:
    customer = CustomerFactory()
    Purchase.objects.create(
        line_id=f"{customer.pk}-{month}-{day}",
        customer=customer,
        purchased_at=datetime(2026, month, day, tzinfo=UTC),
        channel="store",
        order_ref=f"O{customer.pk}",
        quantity=1,
        revenue_cents=revenue_cents,
    )


def store_revenue(client) -> list[float]:
    charts = {chart["id"]: chart["figure"] for chart in client.get(reverse("home")).context["charts"]}
    [store] = [trace for trace in charts["chart-sales"]["data"] if trace["name"] == "Store"]
    return store["y"]


def test_the_sales_chart_shows_new_months_as_soon_as_the_sales_summary_ran(client, marketer):
    purchase(5, 1, 4_000)
    sales_job(marketer)
    client.force_login(marketer)
    assert store_revenue(client) == [40.0]
    purchase(9, 2, 700)
    sales_job(marketer)
    assert store_revenue(client) == [40.0, 7.0]


def test_the_jobs_chart_counts_only_the_jobs_of_whoever_looks(client, marketer, segment_owner):
    for _ in range(3):
        Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Report", owner=marketer, status=Job.Status.FAILED)

    def failed_jobs(user) -> float:
        client.force_login(user)
        charts = {chart["id"]: chart["figure"] for chart in client.get(reverse("home")).context["charts"]}
        [failed] = [trace for trace in charts["chart-jobs"]["data"] if trace["name"] == "Failed"]
        return sum(failed["y"])

    assert failed_jobs(marketer) == 3
    assert failed_jobs(segment_owner) == 0
    Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Report", owner=segment_owner, status=Job.Status.FAILED)
    assert failed_jobs(segment_owner) == 1
    assert failed_jobs(marketer) == 3


@pytest.mark.parametrize("jobs", [[], [("succeeded", 3), ("failed", 1)]])
def test_the_jobs_chart_is_the_figure_plotly_would_make(jobs):
    import plotly.graph_objects as go

    from core.charts import figure_data
    from desk.dashboards import jobs_chart

    today = timezone.localdate()
    rows = [{"day": today - timedelta(days=2), "status": status, "jobs": count} for status, count in jobs]
    made = jobs_chart(rows)
    by_plotly = figure_data(go.Figure(data=made["data"], layout=made["layout"]), height=260)
    assert json.loads(json.dumps(made, cls=DjangoJSONEncoder)) == json.loads(json.dumps(by_plotly))
