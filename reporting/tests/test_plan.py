"""The quarter's plan: every figure of the budget grid on a hand-made quarter, to the cent, and the page that
shows it, the calendar and the contact pressure."""

import json
import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import AllocationRun, AudienceBuild, Campaign, Treatment
from reporting import plan as planning
from reporting.models import CampaignResult
from segments.models import BudgetRequest, LifecycleStage, Portfolio, PortfolioBudget, Segment, StagingRun

Status = Campaign.Status


def campaign(portfolio, owner, name, status, *, start=date(2026, 7, 6), **fields) -> Campaign:
    return Campaign.objects.create(
        name=name,
        portfolio=portfolio,
        owner=owner,
        status=status,
        start_date=start,
        end_date=date(start.year, start.month, 28),
        year=start.year,
        quarter=(start.month - 1) // 3 + 1,
        objective="conversion",
        seed=1,
        **fields,
    )


def treatment(campaign, code, channel, segment_size, *, holdout="0.100", cost=10, redemption=0, rate="0.0500"):
    segment = Segment.objects.create(name=f"{campaign.name} {code}", owner=campaign.owner, size=segment_size)
    return Treatment.objects.create(
        campaign=campaign,
        code=code,
        segment=segment,
        channel=channel,
        message_name="Hello",
        holdout_share=holdout,
        cost_per_contact_cents=cost,
        cost_per_redemption_cents=redemption,
        expected_response_rate=rate,
        expected_order_value_cents=4_000,
        expected_margin_rate="0.3000",
    )


@pytest.fixture
def quarter(db, portfolio, other_segment_owner, marketer):
    """2026 Q3 by hand (portfolio "New customers": budget 10,000.00, from the campaigns' fixtures).

    Spring welcome (draft, New): e-mail to 1,000 less a 10% holdout = 900 contacts at 0.10 plus 5% redeeming at
    2.00: 90.00 + 90.00 = 180.00 planned; SMS to 500 less 20% = 400 at 0.05: 20.00.
    Summer thanks (released, New): built with 300 treated, 123.45 committed at release, results measured
    35.00 of costs and a net of 65.00.
    Win back (submitted, Lapsed): push to 200 with no holdout at 0.25: 50.00 planned.
    Autumn preview (draft, New, next quarter): not charged to Q3.
    """
    lapsed = Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="lapsed"), name="Lapsed", owner=other_segment_owner
    )
    PortfolioBudget.objects.create(portfolio=lapsed, year=2026, quarter=3, amount_cents=500_000)
    BudgetRequest.objects.create(
        portfolio=lapsed,
        year=2026,
        quarter=3,
        amount_cents=900_000,
        approved_cents=500_000,
        reason="More lapsed",
        requested_by=other_segment_owner,
    )
    welcome = campaign(portfolio, marketer, "Spring welcome", Status.DRAFT)
    treatment(welcome, "A", "email", 1_000, redemption=200)
    treatment(welcome, "B", "sms", 500, holdout="0.200", cost=5)
    thanks = campaign(
        portfolio,
        marketer,
        "Summer thanks",
        Status.RELEASED,
        start=date(2026, 8, 3),
        committed_cents=12_345,
        released_at=datetime(2026, 8, 3, 9, tzinfo=UTC),
    )
    thanked = treatment(thanks, "A", "email", 10_000)
    AudienceBuild.objects.create(campaign=thanks, version=1, counts={"A": {"treatment": 300, "control": 30}})
    CampaignResult.objects.create(
        campaign=thanks,
        version=1,
        payload={
            "totals": {"incremental_margin_cents": 10_000, "net_cents": 6_500, "roi": 1.857},
            "treatments": [
                {
                    "treatment_id": thanked.pk,
                    "contact_cost_cents": 3_000,
                    "offer_cost_cents": 500,
                    "incremental_margin_cents": 10_000,
                    "net_cents": 6_500,
                }
            ],
        },
    )
    win_back = campaign(lapsed, marketer, "Win back", Status.SUBMITTED, start=date(2026, 9, 1))
    treatment(win_back, "A", "push", 200, holdout="0.000", cost=25)
    later = campaign(portfolio, marketer, "Autumn preview", Status.DRAFT, start=date(2026, 10, 5))
    treatment(later, "A", "email", 5_000)
    return {"new": portfolio, "lapsed": lapsed}


def test_every_figure_of_the_budget_grid_to_the_cent(quarter):
    grid, _ = planning.budget_grid(planning.quarter_plan(2026, 3))
    rows = {row.label: row for row in grid}
    new, lapsed = rows["New customers"], rows["Lapsed"]
    # Forecast net: contacts x 5% x 40.00 x 30% less the cost: 540.00 - 180.00, 240.00 - 20.00, and for the
    # released campaign 180.00 less what it committed, 123.45.
    assert (new.budget, new.planned, new.committed, new.spent) == (1_000_000, 20_000, 12_345, 3_500)
    assert (new.forecast_net, new.measured_net, new.remaining) == (36_000 + 22_000 + 5_655, 6_500, 967_655)
    channels = {child.label: child for child in new.children}
    assert list(channels) == ["E-mail", "SMS"]
    assert (channels["E-mail"].planned, channels["E-mail"].committed, channels["E-mail"].spent) == (
        18_000,
        12_345,
        3_500,
    )
    assert (channels["SMS"].planned, channels["SMS"].forecast_net, channels["SMS"].measured_net) == (
        2_000,
        22_000,
        None,
    )
    # The lapsed portfolio's request for 9,000.00 waits: it is shown, and the approved 5,000.00 counts.
    assert (lapsed.budget, lapsed.pending, lapsed.planned, lapsed.remaining) == (500_000, 900_000, 5_000, 495_000)
    assert lapsed.forecast_net == 12_000 - 5_000


def test_the_totals_row_is_the_sum_of_the_rows(quarter):
    grid, total = planning.budget_grid(planning.quarter_plan(2026, 3))
    for field in ("budget", "planned", "committed", "spent", "forecast_net", "remaining"):
        assert getattr(total, field) == sum(getattr(row, field) for row in grid), field
        for row in grid:
            if row.children:
                assert getattr(row, field if field not in ("budget", "remaining") else "planned") == sum(
                    getattr(child, field if field not in ("budget", "remaining") else "planned")
                    for child in row.children
                )
    assert (total.budget, total.planned, total.committed, total.spent) == (1_500_000, 25_000, 12_345, 3_500)


def test_a_commitment_is_shared_over_treatments_to_the_cent(db, portfolio, marketer):
    released = campaign(portfolio, marketer, "Three ways", Status.RELEASED, committed_cents=1_000)
    for code in "ABC":
        treatment(released, code, "email", 1_000, holdout="0.000")  # equal planned costs
    rows = planning.quarter_plan(2026, 3).treatments
    assert sorted(row.committed_cents for row in rows) == [333, 333, 334]


def plan_page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("reporting:plan"), {"year": 2026, "quarter": 3, **params})
    assert response.status_code == 200
    return response.content.decode()


def island(page: str, name: str) -> object:
    return json.loads(re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.S).group(1))


def test_the_plan_page_shows_the_grid_calendar_and_plan_against_actual(client, quarter, marketer):
    page = plan_page(client, marketer)
    rows = {row["label"]: row for row in island(page, "budget-rows")}
    assert rows["Total"]["budget"] == 1_500_000 and rows["New customers"]["remaining"] == 967_655
    calendar = island(page, "chart-calendar")
    names = {text for trace in calendar["data"] for text in trace["text"]}
    assert names == {"Spring welcome", "Summer thanks", "Win back"}  # the next quarter's draft is not in Q3
    links = {point[0] for trace in calendar["data"] for point in trace["customdata"]}
    assert reverse("campaigns:detail", args=[Campaign.objects.get(name="Win back").pk]) in links
    actual = page[page.index('id="plan-results"') :]
    assert "Summer thanks" in actual and "65.00" in actual and "185.7%" in actual


def test_only_drafts_the_user_may_change_can_be_dragged(client, quarter, marketer, segment_owner):
    moves = island(plan_page(client, marketer), "chart-calendar")["layout"]["meta"]["moves"]
    assert [move["name"] for move in moves] == ["Spring welcome"]  # the marketer's own draft
    assert island(plan_page(client, segment_owner), "chart-calendar")["layout"]["meta"]["moves"] == []


def test_dragging_a_draft_moves_its_dates_and_its_quarter(client, quarter, marketer, segment_owner):
    welcome = Campaign.objects.get(name="Spring welcome")
    client.force_login(marketer)
    url = reverse("reporting:plan_dates", args=[welcome.pk])
    answer = client.post(url, {"start": "2026-10-12", "end": "2026-11-08"})
    assert answer.status_code == 200 and "12 Oct" in answer.json()["message"]
    welcome.refresh_from_db()
    assert (welcome.start_date, welcome.year, welcome.quarter) == (date(2026, 10, 12), 2026, 4)
    assert welcome.history.first().history_change_reason == "Dates moved on the plan"
    client.force_login(segment_owner)  # owns the portfolio, not the campaign: reads the plan, moves nothing
    assert client.post(url, {"start": "2026-10-19", "end": "2026-11-08"}).status_code == 403
    welcome.refresh_from_db()
    assert welcome.start_date == date(2026, 10, 12)


def test_a_released_campaign_does_not_move(client, quarter, manager):
    released = Campaign.objects.get(name="Summer thanks")
    client.force_login(manager)
    refused = client.post(
        reverse("reporting:plan_dates", args=[released.pk]), {"start": "2026-08-10", "end": "2026-08-20"}
    )
    assert refused.status_code == 409 and "only a draft's dates move" in refused.json()["error"]


def test_weekly_pressure_counts_contacts_on_their_send_week(quarter):
    plan = planning.quarter_plan(2026, 3)
    by_channel = {
        line.key: line for line in planning.pressure_by_channel(plan, {"email": 1_000, "sms": 400, "push": 100})
    }
    mondays = planning.weeks(plan)
    email = by_channel["email"]
    # 900 estimated contacts go out in the week of 6 July, 300 built ones in the week of 3 August.
    assert email.per_week[mondays.index(date(2026, 7, 6))] == 900
    assert email.estimated[mondays.index(date(2026, 7, 6))] == 900
    assert email.per_week[mondays.index(date(2026, 8, 3))] == 300
    assert email.estimated[mondays.index(date(2026, 8, 3))] == 0
    assert sum(email.per_week) == 1_200
    # Per reachable customer over the 30-day window ending each Sunday, against the cap of 4.
    assert email.per_customer[mondays.index(date(2026, 7, 6))] == pytest.approx(0.9)
    assert email.per_customer[mondays.index(date(2026, 8, 3))] == pytest.approx(0.3)
    assert email.cap == 4


def test_the_plan_page_reads_a_quarter_in_a_fixed_number_of_queries(client, quarter, manager, marketer):
    client.force_login(manager)
    url = reverse("reporting:plan") + "?year=2026&quarter=3"
    client.get(url)  # the customers reachable per channel are counted once and kept a while
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for number in range(10):
        more = campaign(quarter["new"], marketer, f"More {number}", Status.DRAFT)
        treatment(more, "A", "email", 100)
        treatment(more, "B", "sms", 100)
    with CaptureQueriesContext(connection) as second:
        page = client.get(url).content.decode()
    assert "More 9" in page
    assert len(second) == len(first)


def test_a_year_shows_four_quarters(client, quarter, marketer):
    client.force_login(marketer)
    page = client.get(reverse("reporting:plan"), {"year": 2026, "quarter": "year"}).content.decode()
    table = page[page.index('id="year-budget"') :]
    assert "Q1" in table and "Q4" in table and "10,000.00" in table


def test_cadence_goals_compare_contacts_per_stage_customer_in_the_quarter(client, quarter, marketer):
    new = quarter["new"]
    Portfolio.objects.filter(pk=new.pk).update(cadence_min=2, cadence_max=6)
    plan = planning.quarter_plan(2026, 3)
    stage_id = new.stage_id
    lines = {line.portfolio.name: line for line in planning.cadence(plan, {stage_id: ("New", 1_000)})}
    # 900 + 400 estimated contacts of the draft and 300 built ones of the released campaign, all charged to
    # the New stage (the portfolio's, where no build counted stages): 1,600 for 1,000 customers.
    assert (lines["New customers"].contacts, lines["New customers"].per_customer) == (1_600, 1.6)
    assert lines["New customers"].verdict == "below"
    assert lines["Lapsed"].verdict == ""  # no goal set
    StagingRun.objects.create(period_end=date(2026, 6, 30), counts={"new": 1_000})  # the page's stage sizes
    page = plan_page(client, marketer)
    assert "Below the goal" in page[page.index('id="plan-cadence"') :]


def test_estimated_contacts_are_spread_over_the_stages_the_segment_reaches(quarter):
    new, lapsed = LifecycleStage.objects.get(code="new"), LifecycleStage.objects.get(code="lapsed")
    Segment.objects.filter(name="Spring welcome A").update(stage_counts={str(new.pk): 750, str(lapsed.pk): 250})
    plan = planning.quarter_plan(2026, 3)
    (welcome,) = [row for row in plan.treatments if row.campaign.name == "Spring welcome" and row.treatment.code == "A"]
    assert welcome.stages == {new.pk: 675, lapsed.pk: 225}  # 900 estimated contacts, three quarters New


def test_a_campaign_across_quarters_is_charged_to_each_pro_rata(db, portfolio, marketer):
    across = campaign(portfolio, marketer, "Across", Status.DRAFT, start=date(2026, 9, 16))
    Campaign.objects.filter(pk=across.pk).update(end_date=date(2026, 10, 15))  # 15 days in Q3, 15 in Q4
    treatment(across, "A", "email", 1_000, holdout="0.000")  # 1,000 contacts at 0.10: 100.00 planned
    q3, _ = planning.budget_grid(planning.quarter_plan(2026, 3))
    q4, _ = planning.budget_grid(planning.quarter_plan(2026, 4))
    assert (q3[0].planned, q4[0].planned) == (5_000, 5_000)


def test_best_offers_cost_what_the_current_builds_newest_published_allocation_spends(db, portfolio, marketer):
    """A best-offers treatment is planned at its contacts' cost plus what its allocated offers are expected to
    cost: from the newest published allocation of the campaign's latest build only."""
    best = campaign(portfolio, marketer, "Best offers", Status.APPROVED)
    for code in "AB":
        treatment(best, code, "email", 1_000, holdout="0.000")
    Treatment.objects.filter(campaign=best).update(offer_strategy=Treatment.OfferStrategy.BEST_N)
    AudienceBuild.objects.create(campaign=best, version=1, counts={"A": {"treatment": 100}, "B": {"treatment": 100}})
    AudienceBuild.objects.create(campaign=best, version=2, counts={"A": {"treatment": 300}, "B": {"treatment": 100}})

    def run(version: int, status: str, *spent: float) -> None:
        AllocationRun.objects.create(
            campaign=best,
            build_version=version,
            status=status,
            send_date=date(2026, 7, 6),
            per_offer=[{"code": f"O{n}", "spent_cents": cents} for n, cents in enumerate(spent)],
        )

    run(1, AllocationRun.Status.PUBLISHED, 90_000)  # an older build's: not this one's offers
    run(2, AllocationRun.Status.PUBLISHED, 10_000, 2_000)  # replaced by the newer run below
    run(2, AllocationRun.Status.PUBLISHED, 30_000, 9_900.4, 100)  # 40,000.40: the campaign's allocation
    run(2, AllocationRun.Status.FAILED, 70_000)  # failed: changes nothing
    rows = {row.treatment.code: row for row in planning.quarter_plan(2026, 3).treatments}
    # 300 and 100 contacts at 0.10, and the 400.00 of offers shared by contacts: three quarters and a quarter.
    assert (rows["A"].planned_cents, rows["B"].planned_cents) == (3_000 + 30_000, 1_000 + 10_000)


def test_best_offers_before_any_allocation_are_planned_from_the_expected_redemptions(db, portfolio, marketer):
    best = campaign(portfolio, marketer, "Not yet allocated", Status.DRAFT)
    treatment(best, "A", "email", 1_000, holdout="0.000", redemption=200)
    Treatment.objects.filter(campaign=best).update(offer_strategy=Treatment.OfferStrategy.BEST_N)
    AudienceBuild.objects.create(campaign=best, version=1, counts={"A": {"treatment": 1_000}})
    (row,) = planning.quarter_plan(2026, 3).treatments
    assert row.planned_cents == 10_000 + 1_000 * 5 // 100 * 200  # contacts at 0.10, 5% redeeming at 2.00
