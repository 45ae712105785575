"""The portfolio page, served by segments, shows the campaigns that spend its budget and what they measured;
it and the results list read them in a fixed number of queries."""

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from core.models import Job
from core.services import job_run
from customers.models import Customer, Purchase
from customers.services import customer_erase
from customers.tests.factories import CustomerFactory
from reporting.models import CampaignResult
from reporting.plan import consenting_customers
from segments.models import CustomerFeatures
from segments.tasks import features_refresh_job, refresh_enqueue

TOTALS = {"incremental_margin_cents": 12_345, "net_cents": -2_000, "roi": -0.5, "contact_cost_cents": 3_000}


def test_the_portfolio_shows_its_campaigns_with_their_latest_results(client, make_campaign, portfolio):
    campaign = make_campaign(name="Welcome back")
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.MEASURING, committed_cents=5_000)
    for version, offer_cost in ((1, 99_999), (2, 1_000)):
        CampaignResult.objects.create(
            campaign=campaign, version=version, payload={"totals": {**TOTALS, "offer_cost_cents": offer_cost}}
        )
    client.force_login(portfolio.owner)
    page = client.get(reverse("segments:portfolio", args=[portfolio.pk])).content.decode()
    campaigns = page[page.index('id="portfolio-campaigns"') :]
    assert "Welcome back" in campaigns and "123.45" in campaigns
    budgets = page[page.index('id="budgets"') :]
    # 2026 Q3: a budget of 10,000.00, 50.00 committed, 40.00 spent (contacts and offers of the latest results).
    assert "10,000.00" in budgets and "50.00" in budgets and "40.00" in budgets


def measured_campaigns(make_campaign, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        campaign = make_campaign(name=f"Campaign {number}")
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.MEASURING)
        CampaignResult.objects.create(
            campaign=campaign, version=1, payload={"totals": {**TOTALS, "offer_cost_cents": 0, "treatment": 10}}
        )


def test_the_portfolio_and_results_pages_run_as_many_queries_for_ten_campaigns_as_for_two(
    client, make_campaign, portfolio, django_assert_max_num_queries
):
    measured_campaigns(make_campaign, 2)
    client.force_login(portfolio.owner)
    pages = [reverse("segments:portfolio", args=[portfolio.pk]), reverse("campaigns:results_list")]
    queries = {}
    for url in pages:
        with CaptureQueriesContext(connection) as made:
            assert client.get(url).status_code == 200
        queries[url] = len(made)
    measured_campaigns(make_campaign, 8, start=2)
    for url in pages:
        with django_assert_max_num_queries(queries[url]):
            assert "Campaign 9" in client.get(url).content.decode()


def buyer(number: int, when: datetime) -> None:
    customer = CustomerFactory(external_id=f"B{number}", signup_date=when.date())
    Purchase.objects.create(
        line_id=f"b{number}",
        customer=customer,
        purchased_at=when,
        channel="online",
        order_ref=f"B{number}",
        quantity=1,
        revenue_cents=2_500,
    )


def features_job(as_of: date) -> None:
    """The features refreshed as a worker refreshes them: recorded as a job, which ends succeeded."""
    job = refresh_enqueue(kind=Job.Kind.FEATURES, owner=None, as_of=as_of.isoformat(), window_days=365)
    job_run(job.pk, features_refresh_job)
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED


def test_the_portfolio_list_counts_the_stage_again_as_soon_as_the_features_are_refreshed(client, portfolio):
    today = timezone.localdate()
    recent = datetime.combine(today - timedelta(days=3), time(12), tzinfo=UTC)
    for number in range(3):
        buyer(number, recent)
    features_job(today)
    client.force_login(portfolio.owner)

    def stage_size() -> int:
        rows = client.get(reverse("reporting:portfolios")).context["grid"]["rows"]
        [row] = [row for row in rows if row["id"] == portfolio.pk]
        return row["customers"]

    before = CustomerFeatures.objects.filter(stage=portfolio.stage).count()
    assert before and stage_size() == before
    for number in range(3, 5):
        buyer(number, recent)
    features_job(today)
    after = CustomerFeatures.objects.filter(stage=portfolio.stage).count()
    assert after > before and stage_size() == after


def test_the_plan_counts_reachable_customers_again_after_an_erasure(admin_user):
    people = [CustomerFactory(external_id=f"E{number}") for number in range(3)]
    Customer.objects.update(consent_email=True)
    assert consenting_customers()["email"] == 3
    customer_erase(customer=people[0], user=admin_user, reason="Request by e-mail")
    assert consenting_customers()["email"] == 2
