"""Forecast defaults from measured history, scenarios of a quarter's plan (deep copies, assumptions, drops and
additions) and their promotion to the plan, on the hand-made 2026 Q3 of the plan's tests."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from campaigns.models import Campaign, Treatment
from campaigns.services import contact_policy, contact_policy_update
from customers.models import Customer, Purchase
from reporting.forms import TreatmentInputsForm
from reporting.history import past_history
from reporting.models import CampaignResult, Scenario, ScenarioCampaign, ScenarioTreatment
from reporting.scenario_services import (
    ScenarioError,
    scenario_assumptions_update,
    scenario_campaign_add,
    scenario_campaign_dates,
    scenario_campaign_drop,
    scenario_create,
    scenario_portfolio_change,
    scenario_portfolio_drop,
    scenario_promote,
    scenario_treatment_update,
)
from reporting.scenarios import outlook, plan_version, quarter_facts, scenario_version
from reporting.tests.test_plan import campaign, quarter, treatment  # noqa: F401

Status = Campaign.Status


def measured(past_campaign: Campaign, past_treatment: Treatment, rate: float, *, version: int = 1, orders: int = 100):
    """Results of a past treatment: `rate` more responders than its control, orders of 50.00 at a 40% margin."""
    CampaignResult.objects.create(
        campaign=past_campaign,
        version=version,
        payload={
            "totals": {
                "incremental_margin_cents": 5_000,
                "contact_cost_cents": 1_000,
                "offer_cost_cents": 0,
                "net_cents": 4_000,
                "treatment": 1_000,
            },
            "treatments": [
                {
                    "treatment_id": past_treatment.pk,
                    "code": past_treatment.code,
                    "channel": past_treatment.channel,
                    "response_rate": {"difference": rate},
                    "treatment": {
                        "members": 1_000,
                        "orders": orders,
                        "revenue_cents": orders * 5_000,
                        "margin_cents": orders * 2_000,
                    },
                    "contact_cost_cents": 1_000,
                    "offer_cost_cents": 0,
                    "incremental_margin_cents": 5_000,
                    "net_cents": 4_000,
                }
            ],
        },
    )


@pytest.fixture
def measured_past(quarter, marketer):  # noqa: F811  (the plan tests' quarter, imported above)
    """Q2 campaigns measured before Q3: three e-mails to new customers (2%, 4%, 1% incremental response; the
    last measured twice, its latest version counts), and what must not count: a push and an e-mail to lapsed
    customers, an e-mail whose run never finished, and an e-mail that started after Q3 began."""
    new, lapsed = quarter["new"], quarter["lapsed"]
    picked = []
    for number, rate in enumerate([0.02, 0.04]):
        past = campaign(new, marketer, f"Past e-mail {number}", Status.CLOSED, start=date(2026, 4, 6 + number))
        picked.append(treatment(past, "A", "email", 1_000))
        measured(past, picked[-1], rate)
    twice = campaign(new, marketer, "Past e-mail twice", Status.CLOSED, start=date(2026, 5, 4))
    picked.append(treatment(twice, "A", "email", 1_000))
    measured(twice, picked[-1], 0.5, version=1)
    measured(twice, picked[-1], 0.01, version=2)
    by_push = campaign(new, marketer, "Past push", Status.CLOSED, start=date(2026, 4, 6))
    measured(by_push, treatment(by_push, "A", "push", 1_000), 0.3)
    to_lapsed = campaign(lapsed, marketer, "Past lapsed e-mail", Status.CLOSED, start=date(2026, 4, 6))
    measured(to_lapsed, treatment(to_lapsed, "A", "email", 1_000), 0.3)
    running = campaign(new, marketer, "Past e-mail running", Status.MEASURING, start=date(2026, 4, 6))
    treatment(running, "A", "email", 1_000)
    CampaignResult.objects.create(campaign=running, version=1, payload=None)
    later = campaign(new, marketer, "July e-mail", Status.CLOSED, start=date(2026, 7, 2))
    measured(later, treatment(later, "A", "email", 1_000), 0.3)
    return {"picked": picked, **quarter}


def test_history_defaults_pick_exactly_the_past_treatments_of_the_channel_and_stage(measured_past):
    welcome = Treatment.objects.get(campaign__name="Spring welcome", code="A")
    defaults = past_history(date(2026, 7, 1)).defaults(
        channel="email", stage_id=measured_past["new"].stage_id, own=welcome
    )
    assert defaults.treatment_ids == tuple(sorted(one.pk for one in measured_past["picked"]))
    assert defaults.results == 3
    # The median of 1%, 2% and 4%, and their quartiles; orders of 50.00 at 40%.
    assert (defaults.response_rate, defaults.response_low, defaults.response_high) == pytest.approx((0.02, 0.015, 0.03))
    assert (defaults.order_value_cents, defaults.margin_rate) == pytest.approx((5_000, 0.4))
    assert defaults.source == "Median of 3 measured past treatments"


def test_without_history_the_planning_inputs_are_used_and_said_to_be(measured_past):
    win_back = Treatment.objects.get(campaign__name="Win back")
    defaults = past_history(date(2026, 7, 1)).defaults(
        channel="push", stage_id=measured_past["lapsed"].stage_id, own=win_back
    )
    assert defaults.results == 0
    assert (defaults.response_rate, defaults.order_value_cents, defaults.margin_rate) == pytest.approx(
        (0.05, 4_000, 0.3)
    )
    assert defaults.source.startswith("Planning inputs: no measured history")


def test_a_scenario_from_the_plan_forecasts_what_the_plan_forecasts(measured_past, manager):
    scenario = scenario_create(user=manager, name="As planned", year=2026, quarter=3)
    rows = {row.name: row for row in ScenarioCampaign.objects.filter(scenario=scenario)}
    # Campaigns charged to Q3 only: the autumn preview belongs to Q4.
    assert set(rows) == {"Spring welcome", "Summer thanks", "Win back", "July e-mail"}
    email = ScenarioTreatment.objects.get(scenario_campaign=rows["Spring welcome"], code="A")
    sms = ScenarioTreatment.objects.get(scenario_campaign=rows["Spring welcome"], code="B")
    assert (email.results, email.response_rate, email.contacts) == (3, pytest.approx(0.02), 900)
    assert (sms.results, sms.response_rate, sms.contacts) == (0, pytest.approx(0.05), 400)
    facts = quarter_facts(2026, 3)
    planned, copied = outlook(plan_version(2026, 3), facts), outlook(scenario_version(scenario), facts)
    assert copied.total == planned.total
    # Spring welcome's e-mail: 900 x 2% = 18 responders x 50.00 x 40% = 360.00; 900 x 0.10 + 18 x 2.00 = 126.00.
    welcome = next(row for row in copied.campaigns if row.label == "Spring welcome")
    sms_margin = round(400 * 0.05 * 4_000 * 0.3)
    assert welcome.forecast.margin_cents == 36_000 + sms_margin
    assert welcome.forecast.costs_cents == 12_600 + 2_000
    # The released campaign costs what it committed; the new customers' budget is 10,000.00.
    new = next(row for row in copied.portfolios if row.label == "New customers")
    assert new.budget_left_cents == 1_000_000 - (12_600 + 2_000 + 12_345)


def test_a_copy_is_deep_changing_it_changes_neither_the_original_nor_the_plan(measured_past, manager, marketer):
    original = scenario_create(user=manager, name="Base", year=2026, quarter=3)
    facts = quarter_facts(2026, 3)
    before = outlook(scenario_version(original), facts)
    plan_before = outlook(plan_version(2026, 3), facts)
    treatments_before = list(Treatment.objects.order_by("pk").values())
    campaigns_before = list(Campaign.objects.order_by("pk").values())

    copy = scenario_create(user=manager, name="Leaner", copy_of=original)
    copy = scenario_assumptions_update(scenario=copy, user=manager, response_change=-15, cost_changes={"email": 20})
    win_back = ScenarioCampaign.objects.get(scenario=copy, name="Win back")
    scenario_campaign_drop(scenario=copy, user=manager, scenario_campaign_id=win_back.pk)
    email = ScenarioTreatment.objects.get(
        scenario_campaign__scenario=copy, scenario_campaign__name="Spring welcome", code="A"
    )
    scenario_treatment_update(scenario=copy, user=manager, scenario_treatment_id=email.pk, contacts=5_000)
    scenario_campaign_add(
        scenario=copy,
        user=manager,
        template=Campaign.objects.get(name="Spring welcome"),
        name="Extra welcome",
        start=date(2026, 9, 7),
    )

    assert outlook(scenario_version(original), facts) == before
    assert (
        ScenarioTreatment.objects.get(
            scenario_campaign__scenario=original, scenario_campaign__name="Spring welcome", code="A"
        ).contacts
        == 900
    )
    assert outlook(plan_version(2026, 3), facts).total == plan_before.total
    assert list(Treatment.objects.order_by("pk").values()) == treatments_before
    assert list(Campaign.objects.order_by("pk").values()) == campaigns_before
    changed = outlook(scenario_version(copy), facts)
    assert changed.total.forecast.net_cents != before.total.forecast.net_cents
    assert {row.label for row in changed.campaigns if row.dropped} == {"Win back"}


def test_lowering_response_by_15_percent_lowers_the_margin_by_15_percent(measured_past, manager):
    scenario = scenario_create(user=manager, name="Weaker", year=2026, quarter=3)
    facts = quarter_facts(2026, 3)
    base = outlook(scenario_version(scenario), facts).total.forecast
    scenario = scenario_assumptions_update(scenario=scenario, user=manager, response_change="-15")
    lower = outlook(scenario_version(scenario), facts).total.forecast
    assert lower.margin_cents == pytest.approx(base.margin_cents * 0.85, abs=3)
    assert lower.responders == pytest.approx(base.responders * 0.85)
    assert lower.contacts == base.contacts


def test_promotion_creates_the_added_campaigns_as_drafts_and_cancels_the_dropped(measured_past, manager):
    scenario = scenario_create(user=manager, name="Refocus", year=2026, quarter=3)
    for name in ("Win back",):
        row = ScenarioCampaign.objects.get(scenario=scenario, name=name)
        scenario_campaign_drop(scenario=scenario, user=manager, scenario_campaign_id=row.pk)
    scenario_campaign_add(
        scenario=scenario,
        user=manager,
        template=Campaign.objects.get(name="Spring welcome"),
        name="Extra welcome",
        start=date(2026, 9, 7),
    )
    statuses = dict(Campaign.objects.values_list("name", "status"))

    done = scenario_promote(scenario=scenario, user=manager)

    assert [campaign.name for campaign in done.created] == ["Extra welcome"]
    assert [campaign.name for campaign in done.cancelled] == ["Win back"]
    extra = Campaign.objects.get(name="Extra welcome")
    assert (extra.status, extra.owner, extra.start_date, extra.quarter) == (Status.DRAFT, manager, date(2026, 9, 7), 3)
    # Made like Spring welcome, with the scenario's inputs: history's 2% for the e-mail, the plan's 5% for the SMS.
    assert [(t.code, t.channel, float(t.expected_response_rate)) for t in extra.treatments.all()] == [
        ("A", "email", 0.02),
        ("B", "sms", 0.05),
    ]
    win_back = Campaign.objects.get(name="Win back")
    assert win_back.status == Status.CANCELLED
    assert win_back.history.first().history_change_reason == "Cancelled: Dropped by the scenario Refocus"
    after = dict(Campaign.objects.values_list("name", "status"))
    assert {name: status for name, status in after.items() if statuses.get(name) != status} == {
        "Extra welcome": Status.DRAFT,
        "Win back": Status.CANCELLED,
    }
    # The plan no longer counts the cancelled campaign, and the promoted scenario changes no more.
    assert "Win back" not in {line.name for line in plan_version(2026, 3).campaigns}
    with pytest.raises(ScenarioError, match="promoted"):
        scenario_promote(scenario=scenario, user=manager)


def test_promotion_is_all_or_nothing(measured_past, manager):
    scenario = scenario_create(user=manager, name="Too late", year=2026, quarter=3)
    scenario_campaign_add(
        scenario=scenario,
        user=manager,
        template=Campaign.objects.get(name="Spring welcome"),
        name="Extra welcome",
        start=date(2026, 9, 7),
    )
    row = ScenarioCampaign.objects.get(scenario=scenario, name="Win back")
    scenario_campaign_drop(scenario=scenario, user=manager, scenario_campaign_id=row.pk)
    Campaign.objects.filter(name="Win back").update(status=Status.RELEASED)  # released meanwhile
    with pytest.raises(ScenarioError, match="Win back"):
        scenario_promote(scenario=scenario, user=manager)
    assert not Campaign.objects.filter(name="Extra welcome").exists()
    assert Scenario.objects.get(pk=scenario.pk).promoted_at is None


def test_a_released_campaign_cannot_be_dropped(measured_past, manager):
    scenario = scenario_create(user=manager, name="No", year=2026, quarter=3)
    released = ScenarioCampaign.objects.get(scenario=scenario, name="Summer thanks")
    with pytest.raises(ScenarioError, match="released"):
        scenario_campaign_drop(scenario=scenario, user=manager, scenario_campaign_id=released.pk)
    count, kept = scenario_portfolio_drop(scenario=scenario, user=manager, portfolio_id=measured_past["new"].pk)
    assert (count, kept) == (1, ["July e-mail", "Summer thanks"])


def test_only_a_manager_makes_or_promotes_a_scenario(measured_past, manager, marketer, client):
    with pytest.raises(ScenarioError, match="manager"):
        scenario_create(user=marketer, name="Mine", year=2026, quarter=3)
    scenario = scenario_create(user=manager, name="Theirs", year=2026, quarter=3)
    with pytest.raises(ScenarioError, match="manager"):
        scenario_promote(scenario=scenario, user=marketer)
    client.force_login(marketer)
    assert client.get(reverse("reporting:scenario", args=[scenario.pk])).status_code == 200
    response = client.post(
        reverse("reporting:scenario_new"), {"name": "x", "source": "plan", "year": 2026, "quarter": 3}
    )
    assert response.status_code == 403
    assert client.post(reverse("reporting:scenario_promote", args=[scenario.pk])).status_code == 403
    assert Scenario.objects.count() == 1


def test_the_pages_show_the_scenario_and_the_comparison(measured_past, manager, client):
    scenario = scenario_create(user=manager, name="Leaner", year=2026, quarter=3)
    scenario_assumptions_update(scenario=scenario, user=manager, response_change=-15)
    client.force_login(manager)
    page = client.get(reverse("reporting:scenario", args=[scenario.pk])).content.decode()
    assert "Median of 3 measured past treatments" in page and "Planning inputs" in page
    compare = client.get(reverse("reporting:scenario_compare") + f"?v=plan&v={scenario.pk}")
    assert compare.status_code == 200
    lines = compare.context["lines"]
    margin = next(line for line in lines["totals"] if line.label == "Incremental margin")
    assert margin.cells[1].difference < 0 and margin.cells[1].better is False
    assert client.get(reverse("reporting:scenarios")).status_code == 200


def test_the_campaign_page_shows_the_forecast_beside_the_actual(measured_past, manager, client):
    client.force_login(manager)
    welcome = Campaign.objects.get(name="Spring welcome")
    page = client.get(reverse("campaigns:detail", args=[welcome.pk])).content.decode()
    assert 'id="campaign-forecast"' in page
    # History before the campaign started (6 July): the three Q2 e-mails and the July one.
    assert "Median of 4 measured past treatments" in page and "Planning inputs: no measured history" in page
    later = Campaign.objects.get(name="July e-mail")
    page = client.get(reverse("campaigns:detail", args=[later.pk])).content.decode()
    assert "Actual, measured" in page and "40.00" in page  # the measured net of its treatment


def test_the_programme_totals_measured_results_per_quarter_and_year(measured_past, manager, client):
    client.force_login(manager)
    response = client.get(reverse("reporting:programme") + "?year=2026")
    assert response.status_code == 200
    periods = {period.label: period for period in response.context["periods"]}
    # Q2: five campaigns measured, each 50.00 of margin for 10.00 (the unfinished run is not counted, the
    # campaign measured twice counts once).
    assert (periods["Q2"].campaigns, periods["Q2"].contacts) == (5, 5_000)
    assert (periods["Q2"].margin_cents, periods["Q2"].costs_cents, periods["Q2"].roi) == (25_000, 5_000, 4.0)


def test_the_programme_against_the_global_control_group(db, manager, client):
    """Half the customers held out; the held-out bought 10.00 of margin each in March, the others 30.00."""
    contact_policy_update(global_control_share="0.500")
    customers = Customer.objects.bulk_create(Customer(external_id=f"G{n}", name=f"Customer {n}") for n in range(200))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Customer._meta.db_table} WHERE (hashtextextended(%s || ':' || id, 0) "
            "& 9223372036854775807) %% 1000000 < 500000",
            [contact_policy().global_control_salt],
        )
        held_out = {row[0] for row in cursor.fetchall()}
    at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    Purchase.objects.bulk_create(
        Purchase(
            line_id=f"L{customer.pk}",
            customer=customer,
            purchased_at=at,
            channel="store",
            order_ref=f"O{customer.pk}",
            quantity=1,
            revenue_cents=10_000,
            margin_cents=1_000 if customer.pk in held_out else 3_000,
        )
        for customer in customers
    )
    client.force_login(manager)
    control = client.get(reverse("reporting:programme") + "?year=2026").context["control"]
    assert (control.control, control.rest) == (len(held_out), 200 - len(held_out))
    assert 0 < control.control < 200
    assert (control.control_margin_cents, control.rest_margin_cents) == (1_000, 3_000)
    assert (control.difference_cents, control.low_cents, control.high_cents) == (2_000, 2_000, 2_000)
    assert control.incremental_cents == 2_000 * (200 - len(held_out))


def test_a_portfolio_override_changes_only_that_portfolios_campaigns(measured_past, manager, client):
    scenario = scenario_create(user=manager, name="Lapsed push harder", year=2026, quarter=3)
    facts = quarter_facts(2026, 3)
    before = {row.label: row.forecast for row in outlook(scenario_version(scenario), facts).portfolios}
    client.force_login(manager)
    client.post(
        reverse("reporting:scenario_portfolio_change", args=[scenario.pk]),
        {
            "portfolio": measured_past["lapsed"].pk,
            "response_change": "50",
            "order_value_change": "0",
            "cost_change": "-20",
        },
    )
    after = {row.label: row.forecast for row in outlook(scenario_version(scenario), facts).portfolios}
    # Win back: 200 pushes x 5% x 1.5 = 15 responders x 40.00 x 30% = 180.00; 200 x 0.25 x 0.8 = 40.00.
    assert (after["Lapsed"].margin_cents, after["Lapsed"].costs_cents) == (18_000, 4_000)
    assert (before["Lapsed"].margin_cents, before["Lapsed"].costs_cents) == (12_000, 5_000)
    assert after["New customers"] == before["New customers"]
    other = scenario_create(user=manager, name="Untouched", year=2026, quarter=3)
    lapsed_other = next(row for row in outlook(scenario_version(other), facts).portfolios if row.label == "Lapsed")
    assert lapsed_other.forecast == before["Lapsed"]


def test_a_scenarios_assumptions_read_as_words(db, manager):
    from reporting.models import Scenario

    scenario = Scenario(
        name="x", year=2026, quarter=4, created_by=manager, response_change=-15, cost_changes={"email": 20}
    )
    assert scenario.assumptions_in_words == ["response -15%", "E-mail cost +20%"]


def test_promotion_writes_the_changed_dates_and_inputs_back_into_drafts_only(measured_past, manager, client):
    scenario = scenario_create(user=manager, name="Plan B", year=2026, quarter=3)
    welcome = ScenarioCampaign.objects.get(scenario=scenario, name="Spring welcome")
    email = welcome.treatments.get(code="A")
    as_typed = {
        "contacts": email.contacts,
        "response_rate": round(email.response_rate, 5),  # the form's precision: not a change
        "order_value_cents": email.order_value_cents,
        "margin_rate": email.margin_rate,
    }
    scenario_treatment_update(
        scenario=scenario,
        user=manager,
        scenario_treatment_id=email.pk,
        **as_typed,
        cost_per_contact_cents=12,
        holdout_share=0.25,
    )
    email.refresh_from_db()
    assert email.changed_inputs == ["cost_per_contact_cents", "holdout_share"]
    assert email.contacts == 750  # 1,000 less a quarter held out, where a tenth was
    scenario_campaign_dates(
        scenario=scenario, user=manager, scenario_campaign_id=welcome.pk, start=date(2026, 7, 13), end=date(2026, 7, 31)
    )
    win_back = ScenarioCampaign.objects.get(scenario=scenario, name="Win back")
    scenario_treatment_update(
        scenario=scenario, user=manager, scenario_treatment_id=win_back.treatments.get().pk, cost_per_contact_cents=30
    )

    client.force_login(manager)
    page = client.post(reverse("reporting:scenario_promote", args=[scenario.pk]), follow=True).content.decode()

    assert "Drafts given the scenario&#x27;s dates and inputs: Spring welcome." in page
    assert "Win back keeps its own dates and inputs: it is submitted" in page
    spring = Campaign.objects.get(name="Spring welcome")
    assert (spring.start_date, spring.end_date) == (date(2026, 7, 13), date(2026, 7, 31))
    treatments = {one.code: one for one in spring.treatments.all()}
    assert (treatments["A"].holdout_share, treatments["A"].cost_per_contact_cents) == (Decimal("0.250"), 12)
    assert treatments["A"].expected_response_rate == Decimal("0.0500")  # not changed here, not written
    assert (treatments["B"].holdout_share, treatments["B"].cost_per_contact_cents) == (Decimal("0.200"), 5)
    record = treatments["A"].history.first()
    assert (record.history_change_reason, record.history_user) == ("Changed by the scenario Plan B", manager)
    assert Campaign.objects.get(name="Win back").treatments.get().cost_per_contact_cents == 25


def test_a_treatment_form_sent_back_untouched_changes_nothing(measured_past, manager, client):
    scenario = scenario_create(user=manager, name="Untouched", year=2026, quarter=3)
    row = ScenarioTreatment.objects.get(
        scenario_campaign__scenario=scenario, scenario_campaign__name="Spring welcome", code="A"
    )
    form = TreatmentInputsForm(treatment=row)
    client.force_login(manager)

    client.post(reverse("reporting:scenario_treatment", args=[scenario.pk, row.pk]), dict(form.initial))

    row.refresh_from_db()
    assert (row.changed, row.changed_inputs) == (False, [])


def _spring_email(scenario: Scenario) -> ScenarioTreatment:
    return ScenarioTreatment.objects.get(
        scenario_campaign__scenario=scenario, scenario_campaign__name="Spring welcome", code="A"
    )


def test_promotion_keeps_a_draft_run_without_control_group_so_when_its_cost_changes(measured_past, manager):
    Treatment.objects.filter(campaign__name="Spring welcome", code="A").update(holdout_share=Decimal("0.000"))
    scenario = scenario_create(user=manager, name="Cheaper mail", year=2026, quarter=3)
    scenario_treatment_update(
        scenario=scenario, user=manager, scenario_treatment_id=_spring_email(scenario).pk, cost_per_contact_cents=7
    )

    done = scenario_promote(scenario=scenario, user=manager)

    assert [one.name for one in done.changed] == ["Spring welcome"]
    email = Treatment.objects.get(campaign__name="Spring welcome", code="A")
    assert (email.holdout_share, email.cost_per_contact_cents) == (Decimal("0.000"), 7)


def test_promotion_says_why_a_draft_treatment_refuses_the_scenarios_inputs(measured_past, manager, client):
    scenario = scenario_create(user=manager, name="Cheaper mail", year=2026, quarter=3)
    scenario_treatment_update(
        scenario=scenario, user=manager, scenario_treatment_id=_spring_email(scenario).pk, cost_per_contact_cents=7
    )
    # Changed on the draft since the scenario was made: responses by a category it does not name yet.
    Treatment.objects.filter(campaign__name="Spring welcome", code="A").update(
        response_kind=Treatment.Response.CATEGORY, response_category=None
    )
    client.force_login(manager)

    answer = client.post(reverse("reporting:scenario_promote", args=[scenario.pk]), follow=True)

    assert answer.status_code == 200
    assert "Spring welcome: Choose the category whose purchases count as responses." in answer.content.decode()
    assert Treatment.objects.get(campaign__name="Spring welcome", code="A").cost_per_contact_cents == 10
    scenario.refresh_from_db()
    assert scenario.promoted_at is None


def test_a_portfolio_what_if_is_not_written_into_its_campaigns(measured_past, manager):
    scenario = scenario_create(user=manager, name="New customers respond more", year=2026, quarter=3)
    scenario_portfolio_change(
        scenario=scenario,
        user=manager,
        portfolio_id=measured_past["new"].pk,
        response_change="50",
        order_value_change="10",
        cost_change="-20",
    )

    done = scenario_promote(scenario=scenario, user=manager)

    assert done.changed == []
    email = Treatment.objects.get(campaign__name="Spring welcome", code="A")
    assert (email.expected_response_rate, email.cost_per_contact_cents) == (Decimal("0.0500"), 10)


def test_a_what_if_on_top_of_a_typed_input_writes_only_the_typed_one(measured_past, manager):
    scenario = scenario_create(user=manager, name="Cheaper mail", year=2026, quarter=3)
    scenario_treatment_update(
        scenario=scenario, user=manager, scenario_treatment_id=_spring_email(scenario).pk, holdout_share=0.25
    )
    scenario_portfolio_change(
        scenario=scenario, user=manager, portfolio_id=measured_past["new"].pk, response_change="-30"
    )

    scenario_promote(scenario=scenario, user=manager)

    email = Treatment.objects.get(campaign__name="Spring welcome", code="A")
    assert (email.holdout_share, email.expected_response_rate) == (Decimal("0.250"), Decimal("0.0500"))


def test_a_scenario_cannot_move_a_campaign_to_last_longer_than_a_campaign_may(measured_past, manager, settings):
    settings.CAMPAIGN_MAX_DAYS = 30
    scenario = scenario_create(user=manager, name="Long welcome", year=2026, quarter=3)
    welcome = ScenarioCampaign.objects.get(scenario=scenario, name="Spring welcome")

    with pytest.raises(ScenarioError, match="a campaign lasts at most 30 days"):
        scenario_campaign_dates(
            scenario=scenario,
            user=manager,
            scenario_campaign_id=welcome.pk,
            start=date(2026, 7, 13),
            end=date(2026, 9, 30),
        )

    welcome.refresh_from_db()
    assert (welcome.dates_changed, welcome.end_date) == (False, date(2026, 7, 28))
