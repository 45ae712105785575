"""`seed_demo` makes up a retailer through the demo loader that the desk registers with the shell."""

import io

from django.core.management import call_command

from customers.models import Customer, Purchase
from scorecards.models import Assessment


def test_seed_demo_loads_a_small_retailer(db):
    out = io.StringIO()
    call_command("seed_demo", customers=800, seed=3, stdout=out)
    assert Customer.objects.count() == 800
    assert Purchase.objects.count() > 5_000
    assert "800 customers" in out.getvalue()
    last_year, this_year = Assessment.objects.order_by("assessed_on")
    assert (last_year.status, this_year.status) == ("submitted", "submitted")
    assert (this_year.assessed_on - last_year.assessed_on).days in (365, 366)
    assert this_year.evidence["response-tracking"][0]["value"] > 0
    call_command("seed_demo", customers=800, seed=3, if_empty=True, stdout=out)
    assert "There are customers already" in out.getvalue()


def test_the_demo_plans_next_quarter_in_every_state_before_release(db):
    from campaigns.models import Campaign
    from segments.models import BudgetRequest, Portfolio

    call_command("seed_demo", customers=800, seed=3, stdout=io.StringIO())
    latest = Campaign.objects.order_by("-start_date").first()
    planned = Campaign.objects.filter(year=latest.year, quarter=latest.quarter)
    assert {campaign.status for campaign in planned} == {"draft", "submitted", "approved", "audience_built"}
    assert Portfolio.objects.count() >= 6
    assert planned.values("portfolio").distinct().count() >= 6
    assert BudgetRequest.objects.filter(status="pending").count() == 1
    # Every owner of a portfolio can sign in: the plan's approvals have someone to make them.
    assert all(portfolio.owner.has_usable_password() for portfolio in Portfolio.objects.all())


def test_the_demo_weighs_three_scenarios_of_next_quarter(db):
    from campaigns.models import Campaign
    from reporting.models import Scenario
    from reporting.scenarios import outlook, quarter_facts, scenario_version

    call_command("seed_demo", customers=800, seed=3, stdout=io.StringIO())
    latest = Campaign.objects.order_by("-start_date").first()
    scenarios = {
        scenario.name: scenario for scenario in Scenario.objects.filter(year=latest.year, quarter=latest.quarter)
    }
    assert set(scenarios) == {"As planned", "Response falls 15%", "Dearer e-mail, win back instead of the letter"}
    facts = quarter_facts(latest.year, latest.quarter)
    totals = {name: outlook(scenario_version(scenario), facts).total.forecast for name, scenario in scenarios.items()}
    assert totals["Response falls 15%"].margin_cents < totals["As planned"].margin_cents
    refocus = scenario_version(scenarios["Dearer e-mail, win back instead of the letter"])
    assert {line.name for line in refocus.campaigns if line.dropped} == {"Lapsed spring letter"}
    assert {line.name for line in refocus.campaigns if line.added} == {"Spring win-back"}
