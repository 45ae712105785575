"""Who may open and send what: every URL of the app, every method it answers, for an anonymous visitor, a
marketer, the owner of the portfolio concerned, the owner of another one, a manager and an admin, from one
table. A refusal is a 403 (a 404 for another user's job, whose id must reveal nothing); an anonymous
visitor is sent to the sign-in page; nothing answers with a server error."""

from datetime import date

import pandas as pd
import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver

from campaigns.models import Campaign, Suppression, Treatment
from core.models import GridView, Job
from customers.models import Customer, DataImport, Store
from offers.models import Offer
from reporting.models import CampaignResult, ScenarioTreatment, StoreEvent
from reporting.scenario_services import scenario_create
from reporting.services import results_compute
from reporting.statistics import MEMBER_COLUMNS
from scorecards.models import ScorecardTemplate
from scorecards.services import assessment_create, shipped_templates_ensure
from segments.models import BudgetRequest, LifecycleStage, Portfolio, PortfolioBudget, PortfolioObjective, Segment

ROLES = ("marketer", "owner", "other_owner", "manager", "admin")
EVERYONE = set(ROLES)
MONEY = {"owner", "manager"}  # the portfolio's owner and managers change its budget and objectives
CREATORS = {"marketer", "manager"}
MANAGERS = {"manager", "admin"}
ADMIN = {"admin"}

# name, method, who may (everyone else is refused), the URL's arguments from the objects below
MATRIX = [
    ("home", "get", EVERYONE, {}),
    ("search", "get", EVERYONE, {}),
    ("customers:list", "get", EVERYONE, {}),
    ("customers:rows", "get", EVERYONE, {}),
    ("customers:detail", "get", EVERYONE, {"customer_id": "customer"}),
    ("customers:erase", "post", ADMIN, {"customer_id": "customer"}),
    ("customers:imports", "get", MANAGERS, {}),
    ("customers:import_start", "post", ADMIN, {}),
    ("customers:import_detail", "get", MANAGERS, {"import_id": "data_import"}),
    ("customers:import_problems", "get", MANAGERS, {"import_id": "data_import"}),
    ("segments:list", "get", EVERYONE, {}),
    ("segments:rows", "get", EVERYONE, {}),
    ("segments:new", "get", EVERYONE, {}),
    ("segments:edit", "get", EVERYONE, {"segment_id": "segment"}),
    ("segments:edit", "post", {"marketer", "manager", "admin"}, {"segment_id": "segment"}),  # its owner is a marketer
    ("segments:preview", "post", EVERYONE, {}),
    ("segments:lifecycle", "get", EVERYONE, {}),
    ("segments:stage_edit", "get", ADMIN, {"stage_id": "stage"}),
    ("segments:stage_edit", "post", ADMIN, {"stage_id": "stage"}),
    ("segments:value", "get", EVERYONE, {}),
    ("segments:value_export", "get", EVERYONE, {}),
    ("segments:refresh", "post", MANAGERS, {"kind": "features"}),
    ("segments:portfolio_new", "get", MANAGERS, {}),
    ("segments:portfolio", "get", EVERYONE, {"portfolio_id": "portfolio"}),
    ("segments:portfolio_edit", "get", MANAGERS, {"portfolio_id": "portfolio"}),
    ("segments:portfolio_budget", "post", MONEY, {"portfolio_id": "portfolio"}),
    ("segments:portfolio_objective", "post", MONEY, {"portfolio_id": "portfolio"}),
    ("segments:portfolio_objective_delete", "post", MONEY, {"portfolio_id": "portfolio", "objective_id": "objective"}),
    ("segments:budget_decide", "post", {"manager"}, {"request_id": "budget_request"}),
    ("offers:bank", "get", EVERYONE, {}),
    ("offers:new", "get", {"marketer", "manager", "admin"}, {}),
    ("offers:scoring", "get", EVERYONE, {}),
    ("offers:edit", "get", EVERYONE, {"offer_id": "offer"}),
    ("offers:edit", "post", {"marketer", "manager", "admin"}, {"offer_id": "offer"}),
    ("offers:cell", "post", {"marketer", "manager", "admin"}, {"offer_id": "offer"}),
    ("offers:csv", "get", EVERYONE, {}),
    ("offers:import", "post", {"marketer", "manager", "admin"}, {}),
    ("campaigns:list", "get", EVERYONE, {}),
    ("campaigns:rows", "get", EVERYONE, {}),
    ("campaigns:new", "get", CREATORS, {}),
    ("campaigns:policy", "get", EVERYONE, {}),
    ("campaigns:policy", "post", {"manager"}, {}),
    ("campaigns:suppressions", "get", EVERYONE, {}),  # who is never contacted, and why; managers change it
    ("campaigns:suppression_remove", "post", MANAGERS, {"suppression_id": "suppression"}),
    ("campaigns:detail", "get", EVERYONE, {"campaign_id": "campaign"}),
    ("campaigns:offers", "get", EVERYONE, {"campaign_id": "campaign"}),
    ("campaigns:offers_allocate", "post", CREATORS, {"campaign_id": "campaign"}),
    ("campaigns:test_design", "get", CREATORS, {"campaign_id": "campaign"}),
    ("campaigns:treatment_new", "get", CREATORS, {"campaign_id": "campaign"}),
    ("campaigns:treatment_edit", "get", CREATORS, {"campaign_id": "campaign", "treatment_id": "treatment"}),
    ("campaigns:action", "post", CREATORS, {"campaign_id": "campaign", "action": "submit"}),
    # The campaign's creator (the marketer) never approves it: its portfolio's owner or a manager does.
    ("campaigns:action", "post", MONEY, {"campaign_id": "campaign", "action": "approve"}),
    (
        "campaigns:contact_file",
        "get",
        {"marketer", "manager", "admin"},
        {"campaign_id": "campaign", "channel": "email"},
    ),
    ("campaigns:sample_size", "get", EVERYONE, {}),
    ("campaigns:results_list", "get", EVERYONE, {}),
    ("campaigns:results", "get", EVERYONE, {"campaign_id": "campaign"}),
    ("campaigns:results_start", "post", CREATORS, {"campaign_id": "campaign"}),
    ("campaigns:results_csv", "get", EVERYONE, {"campaign_id": "campaign"}),
    ("campaigns:response_definition", "get", CREATORS, {"campaign_id": "campaign", "treatment_id": "treatment"}),
    ("reporting:plan", "get", EVERYONE, {}),
    ("reporting:plan_dates", "post", CREATORS, {"campaign_id": "campaign"}),
    ("reporting:portfolios", "get", EVERYONE, {}),
    ("jobs", "get", EVERYONE, {}),
    ("job_rows", "get", EVERYONE, {}),
    ("job_detail", "get", {"marketer", "manager", "admin"}, {"job_id": "job"}),  # the marketer's own job
    ("job_progress", "get", {"marketer", "manager", "admin"}, {"job_id": "job"}),
    ("database_report_start", "post", MANAGERS, {}),
    ("grid_views", "get", EVERYONE, {"grid": "campaigns"}),
    ("grid_views", "post", EVERYONE, {"grid": "campaigns"}),  # each keeps views of their own
    ("grid_view_delete", "post", {"marketer"}, {"grid": "campaigns", "view_id": "grid_view"}),  # the marketer's view
    ("campaigns:edit", "get", CREATORS, {"campaign_id": "campaign"}),
    ("campaigns:copy", "post", CREATORS, {"campaign_id": "campaign"}),
    ("campaigns:delete", "post", CREATORS, {"campaign_id": "campaign"}),
    ("reporting:programme", "get", EVERYONE, {}),
    ("reporting:scenarios", "get", EVERYONE, {}),
    ("reporting:scenario_new", "post", {"manager"}, {}),
    ("reporting:scenario_compare", "get", EVERYONE, {}),
    ("reporting:scenario", "get", EVERYONE, {"scenario_id": "scenario"}),
    ("reporting:scenario_assumptions", "post", {"manager"}, {"scenario_id": "scenario"}),
    ("reporting:scenario_add", "post", {"manager"}, {"scenario_id": "scenario"}),
    ("reporting:scenario_promote", "post", {"manager"}, {"scenario_id": "scenario"}),
    (
        "reporting:scenario_campaign_drop",
        "post",
        {"manager"},
        {"scenario_id": "scenario", "campaign_id": "scenario_campaign"},
    ),
    (
        "reporting:scenario_portfolio_drop",
        "post",
        {"manager"},
        {"scenario_id": "scenario", "portfolio_id": "portfolio"},
    ),
    (
        "reporting:scenario_campaign_dates",
        "post",
        {"manager"},
        {"scenario_id": "scenario", "campaign_id": "scenario_campaign"},
    ),
    ("reporting:scenario_portfolio_change", "post", {"manager"}, {"scenario_id": "scenario"}),
    (
        "reporting:scenario_treatment",
        "post",
        {"manager"},
        {"scenario_id": "scenario", "treatment_id": "scenario_treatment"},
    ),
    ("reporting:store_events", "get", EVERYONE, {}),
    ("reporting:store_event_new", "post", {"manager"}, {}),
    ("reporting:store_event", "get", EVERYONE, {"event_id": "store_event"}),
    ("reporting:store_event_edit", "post", {"manager"}, {"event_id": "store_event"}),
    ("scorecards:list", "get", EVERYONE, {}),
    ("scorecards:create", "post", MANAGERS, {}),
    ("scorecards:detail", "get", EVERYONE, {"assessment_id": "assessment"}),
    ("scorecards:fill", "get", MANAGERS, {"assessment_id": "assessment"}),
    ("scorecards:submit", "post", MANAGERS, {"assessment_id": "assessment"}),
    ("scorecards:delete", "post", MANAGERS, {"assessment_id": "assessment"}),
    ("scorecards:compare", "get", EVERYONE, {"assessment_id": "assessment"}),
    ("scorecards:print", "get", EVERYONE, {"assessment_id": "assessment"}),
    ("scorecards:template_create", "get", ADMIN, {}),
    ("scorecards:template_edit", "get", ADMIN, {"template_id": "template"}),
]
# Open to anyone, or the sign-in itself.
PUBLIC = {"login", "logout", "healthz"}
# Refusals that must not reveal whether the object exists.
HIDDEN = {"job_detail", "job_progress", "grid_view_delete"}
# Removals: once an allowed role removed the object, the next finds nothing.
REMOVALS = {
    "campaigns:suppression_remove",
    "segments:portfolio_objective_delete",
    "scorecards:delete",
    "campaigns:delete",
    "grid_view_delete",
}


@pytest.fixture
def people(db, marketer, segment_owner, other_segment_owner, manager, admin_user):
    return {
        "marketer": marketer,
        "owner": segment_owner,
        "other_owner": other_segment_owner,
        "manager": manager,
        "admin": admin_user,
    }


@pytest.fixture
def objects(people):
    stage = LifecycleStage.objects.get(code="new")
    portfolio = Portfolio.objects.create(stage=stage, name="New", owner=people["owner"])
    Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="lapsed"), name="Lapsed", owner=people["other_owner"]
    )
    PortfolioBudget.objects.create(portfolio=portfolio, year=2026, quarter=4, amount_cents=100_000)
    segment = Segment.objects.create(name="Everyone", owner=people["marketer"], rules={"all": []})
    campaign = Campaign.objects.create(
        name="Winter",
        portfolio=portfolio,
        owner=people["marketer"],
        status=Campaign.Status.DRAFT,
        start_date=date(2026, 12, 7),
        end_date=date(2026, 12, 24),
        year=2026,
        quarter=4,
        objective="traffic",
        seed=1,
    )
    treatment = Treatment.objects.create(
        campaign=campaign, code="A", segment=segment, channel="email", message_name="Hello"
    )
    customer = Customer.objects.create(external_id="c1", name="Ann")
    shipped_templates_ensure()
    template = ScorecardTemplate.objects.order_by("pk").first()
    scenario = scenario_create(user=people["manager"], name="What if", year=2026, quarter=4)
    # Results of nobody yet, computed as a run would: the results pages and the export have something to show.
    kinds = {"is_control": bool, "responded": bool, "channels": object}
    nobody = pd.DataFrame({column: pd.Series(dtype=kinds.get(column, float)) for column in MEMBER_COLUMNS})
    CampaignResult.objects.create(campaign=campaign, version=1, payload=results_compute(campaign, nobody))
    return {
        "stage": stage,
        "portfolio": portfolio,
        "segment": segment,
        "campaign": campaign,
        "treatment": treatment,
        "customer": customer,
        "objective": PortfolioObjective.objects.create(
            portfolio=portfolio, kind="keep_below", target_percent=8, year=2026, quarter=4
        ),
        "budget_request": BudgetRequest.objects.create(
            portfolio=portfolio,
            year=2026,
            quarter=4,
            amount_cents=200_000,
            approved_cents=100_000,
            reason="More",
            requested_by=people["owner"],
        ),
        "offer": Offer.objects.create(
            code="TEN",
            name="Ten off",
            kind="percent_off",
            value=10,
            valid_from=date(2026, 1, 1),
            valid_until=date(2027, 1, 1),
        ),
        "suppression": Suppression.objects.create(customer=customer, reason="Complaint"),
        "data_import": DataImport.objects.create(
            kind="customers",
            file_name="c.csv",
            created_by=people["admin"],
            job=Job.objects.create(kind=Job.Kind.IMPORT, title="Import", owner=people["admin"]),
        ),
        "job": Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Report", owner=people["marketer"]),
        "grid_view": GridView.objects.create(user=people["marketer"], grid="campaigns", name="Mine"),
        "template": template,
        "assessment": assessment_create(user=people["manager"], template=template, assessed_on=date(2026, 11, 1)),
        "scenario": scenario,
        "scenario_campaign": scenario.campaigns.get(campaign=campaign),
        "scenario_treatment": ScenarioTreatment.objects.get(scenario_campaign__scenario=scenario),
        "store_event": StoreEvent.objects.create(
            store=Store.objects.create(code="S1", name="Quay", latitude=51.5, longitude=0.0),
            event_date=date(2026, 12, 31),
            campaign=campaign,
            created_by=people["manager"],
        ),
    }


def url_of(name: str, arguments: dict, objects: dict) -> str:
    return reverse(
        name, kwargs={key: objects[value].pk if value in objects else value for key, value in arguments.items()}
    )


def url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_of_the_app_is_in_the_matrix():
    assert url_names() - PUBLIC == {name for name, *_ in MATRIX}


@pytest.mark.parametrize(("name", "method", "allowed", "arguments"), MATRIX, ids=[f"{m[1]} {m[0]}" for m in MATRIX])
def test_who_may_open_and_send_what(client, people, objects, name, method, allowed, arguments):
    url = url_of(name, arguments, objects)
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login")), "anonymous"
    refused = {404} if name in HIDDEN else {403}
    for role in sorted(ROLES, key=lambda role: role in allowed):  # refusals first, before any removal
        client.force_login(people[role])
        status = getattr(client, method)(url).status_code
        assert status < 500, f"{role}: {status}"
        if role in allowed:
            gone = {404} if name in REMOVALS else set()
            assert status not in {403, 404} - gone, f"{role} may, but got {status}"
        else:
            assert status in refused, f"{role} may not, but got {status}"
