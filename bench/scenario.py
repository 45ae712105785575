"""A scenario of a 200-campaign quarter on the bench database: made from the plan, recomputed, compared.

Run by bench/run.py inside Django (`manage.py shell`). `prepare()` makes, once, a quarter (2027 Q2) of 200 draft
campaigns of two treatments each over six portfolios and four channels, and 400 measured treatments of the
quarter before, so that every forecast input comes from history. `measure()` times, median of several runs:
making a scenario from the plan (the plan's read, history's medians, one insert of each kind of row); the
recompute of a scenario (read its rows, forecast every treatment, roll up portfolios and totals, contact
pressure per week); and the comparison page (the plan and two scenarios) through Django's test client. Beside
them, the physical-limit reference: the scenario's treatment rows read by one bare SELECT into numpy, and the
same forecast arithmetic as array operations.
"""

import os
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
from django.db import connection
from django.test import Client

from campaigns.models import Campaign, Treatment
from core.services import demo_users_ensure
from reporting.models import CampaignResult, Scenario, ScenarioCampaign, ScenarioTreatment
from reporting.scenario_services import scenario_assumptions_update, scenario_create
from reporting.scenarios import outlook, quarter_facts, scenario_version
from segments.models import LifecycleStage, Portfolio, PortfolioBudget, Segment
from segments.services import stages_ensure_defaults

YEAR, QUARTER = 2027, 2
PREFIX = "Bench scenario"
CAMPAIGNS = 200
CHANNELS = ["email", "sms", "push", "direct_mail"]
RUNS = 7


def prepare() -> None:
    if Campaign.objects.filter(name__startswith=PREFIX).exists():
        return
    stages_ensure_defaults()
    demo_users_ensure()
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.get(username="marketer")
    rng = np.random.default_rng(7)
    portfolios = []
    for stage in LifecycleStage.objects.order_by("pk")[:6]:
        portfolio, _ = Portfolio.objects.get_or_create(
            stage=stage, defaults={"name": f"{PREFIX} {stage.name}", "owner": owner}
        )
        PortfolioBudget.objects.get_or_create(
            portfolio=portfolio, year=YEAR, quarter=QUARTER, defaults={"amount_cents": 50_000_000}
        )
        portfolios.append(portfolio)
    segments = Segment.objects.bulk_create(
        Segment(name=f"{PREFIX} segment {n}", owner=owner, size=int(rng.integers(5_000, 200_000))) for n in range(40)
    )

    def campaigns(first: date, count: int, label: str) -> list[Campaign]:
        return Campaign.objects.bulk_create(
            Campaign(
                name=f"{PREFIX} {label} {n}",
                portfolio=portfolios[n % len(portfolios)],
                owner=owner,
                start_date=first + timedelta(days=int(n % 80)),
                end_date=first + timedelta(days=int(n % 80) + 20),
                year=first.year,
                quarter=(first.month - 1) // 3 + 1,
                objective="conversion",
                seed=n,
                status=Campaign.Status.DRAFT if label == "planned" else Campaign.Status.CLOSED,
            )
            for n in range(count)
        )

    def treatments(rows: list[Campaign]) -> list[Treatment]:
        return Treatment.objects.bulk_create(
            Treatment(
                campaign=campaign,
                code=code,
                segment=segments[(n * 2 + position) % len(segments)],
                channel=CHANNELS[(n + position) % len(CHANNELS)],
                message_name="Bench",
                cost_per_contact_cents=int(rng.integers(1, 80)),
                cost_per_redemption_cents=int(rng.integers(0, 300)),
                expected_response_rate="0.0400",
                expected_order_value_cents=4_500,
            )
            for n, campaign in enumerate(rows)
            for position, code in enumerate("AB")
        )

    treatments(campaigns(date(YEAR, 4, 1), CAMPAIGNS, "planned"))
    past = campaigns(date(YEAR, 1, 1), CAMPAIGNS, "past")
    past_treatments = treatments(past)
    by_campaign: dict[int, list[Treatment]] = {}
    for treatment in past_treatments:
        by_campaign.setdefault(treatment.campaign_id, []).append(treatment)
    CampaignResult.objects.bulk_create(
        CampaignResult(
            campaign=campaign,
            version=1,
            payload={
                "totals": {},
                "treatments": [
                    {
                        "treatment_id": treatment.pk,
                        "code": treatment.code,
                        "channel": treatment.channel,
                        "response_rate": {"difference": float(rng.normal(0.02, 0.01))},
                        "treatment": {
                            "members": 10_000,
                            "orders": 500,
                            "revenue_cents": 500 * 4_800,
                            "margin_cents": 500 * 1_500,
                        },
                    }
                    for treatment in by_campaign[campaign.pk]
                ],
            },
        )
        for campaign in past
    )
    print(f"made {CAMPAIGNS} planned campaigns of 2 treatments in {YEAR} Q{QUARTER}, and {CAMPAIGNS} measured ones")


def _median(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def _reference(scenario: Scenario) -> None:
    """The floor: the treatment rows by one bare SELECT, and the forecast as numpy array arithmetic."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT t.contacts, t.response_rate, t.order_value_cents, t.margin_rate, t.cost_per_contact_cents,
                       t.cost_per_redemption_cents, c.portfolio_id
                FROM {ScenarioTreatment._meta.db_table} t
                JOIN {ScenarioCampaign._meta.db_table} c ON c.id = t.scenario_campaign_id
                WHERE c.scenario_id = %s AND NOT c.dropped""",
            [scenario.pk],
        )
        rows = np.array(cursor.fetchall(), dtype=float)
    contacts, rate, value, margin, contact_cost, redemption_cost, portfolio = rows.T
    responders = contacts * rate * 0.85
    margins = np.round(responders * value * margin)
    costs = np.round(contacts * contact_cost + responders * redemption_cost)
    np.bincount(portfolio.astype(int), weights=margins - costs)


def measure() -> None:
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager")
    Scenario.objects.filter(name__startswith=PREFIX).delete()
    made = []

    def make() -> None:
        made.append(scenario_create(user=manager, name=f"{PREFIX} {len(made)}", year=YEAR, quarter=QUARTER))

    make_seconds, make_worst = _median(make, runs=3)
    scenario = made[0]
    scenario = scenario_assumptions_update(scenario=scenario, user=manager, response_change=-15)
    campaigns = ScenarioCampaign.objects.filter(scenario=scenario).count()
    treatments = ScenarioTreatment.objects.filter(scenario_campaign__scenario=scenario).count()
    with_history = ScenarioTreatment.objects.filter(scenario_campaign__scenario=scenario, results__gt=0).count()
    facts_cold, _ = _median(lambda: quarter_facts(YEAR, QUARTER), runs=1)

    def recompute() -> None:
        outlook(scenario_version(scenario), quarter_facts(YEAR, QUARTER))

    recompute_seconds, recompute_worst = _median(recompute)
    reference_seconds, _ = _median(lambda: _reference(scenario))
    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    url = f"/plan/scenarios/compare/?v=plan&v={made[0].pk}&v={made[1].pk}"
    assert client.get(url).status_code == 200
    compare_seconds, compare_worst = _median(lambda: client.get(url))
    from customers.models import Customer

    print(f"scenario of {campaigns} campaigns, {treatments} treatments ({with_history} with inputs from history)")
    print(f"bench database: {Customer.objects.count():,} customers; load average {os.getloadavg()[0]:.1f}")
    rows = [
        ("make a scenario from the plan", make_seconds, make_worst),
        ("recompute the scenario (target < 1,000 ms)", recompute_seconds, recompute_worst),
        ("compare page: plan + 2 scenarios (target < 300 ms)", compare_seconds, compare_worst),
        ("reference: bare SELECT + numpy forecast", reference_seconds, None),
    ]
    print(f"{'what':<52}{'median ms':>10}{'slowest ms':>12}")
    for what, median, worst in rows:
        print(f"{what:<52}{median * 1000:>10.1f}" + (f"{worst * 1000:>12.1f}" if worst is not None else ""))
    print(f"(first read of the quarter's facts, reachable customers not cached yet: {facts_cold * 1000:.1f} ms)")
    print(f"recompute / reference = {recompute_seconds / reference_seconds:.1f}")
