from datetime import date

import numpy as np
import pytest

from campaigns.models import Campaign
from campaigns.services import campaign_create, contact_policy_update, treatment_save
from customers.models import Category, Customer, Store
from offers.models import Offer
from segments.models import CustomerCategoryShare, CustomerFeatures, LifecycleStage, Portfolio, PortfolioBudget, Segment
from segments.tests.conftest import history  # noqa: F401  (a purchase history to describe)

EVERYONE = {"all": []}


def population(size: int, *, email_every: int = 1, sms_every: int = 1) -> list[Customer]:
    """`size` customers described by features directly: customer n consents to e-mail when n % email_every == 0
    and to SMS when n % sms_every == 0 (consent is read from the customers, as a release would)."""
    customers = Customer.objects.bulk_create(
        Customer(
            external_id=f"C{n:06d}",
            name=f"Customer {n}",
            email=f"c{n}@example.com",
            phone=f"+4470000{n:05d}",
            consent_email=n % email_every == 0,
            consent_sms=n % sms_every == 0,
        )
        for n in range(size)
    )
    new = LifecycleStage.objects.get(code="new")
    CustomerFeatures.objects.bulk_create(
        CustomerFeatures(
            customer=customer,
            region="North",
            consent_email=customer.consent_email,
            consent_sms=customer.consent_sms,
            consent_push=False,
            consent_direct_mail=False,
            recency_days=n % 200,
            frequency=n % 7,
            orders_lifetime=1 + n % 7,
            revenue_cents=1_000 * (n % 50),
            margin_cents=300 * (n % 50),
            returns_cents=0,
            contacts_30d=0,
            stage=new,
        )
        for n, customer in enumerate(customers)
    )
    from segments.models import FeatureRun

    FeatureRun.objects.get_or_create(version=1, defaults={"as_of": date(2026, 7, 1), "customers": size})
    return customers


@pytest.fixture
def no_global_control(db):
    contact_policy_update(global_control_share=0)


@pytest.fixture
def portfolio(db, segment_owner):
    portfolio = Portfolio.objects.create(
        stage=LifecycleStage.objects.get(code="new"), name="New customers", owner=segment_owner
    )
    PortfolioBudget.objects.create(portfolio=portfolio, year=2026, quarter=3, amount_cents=1_000_000)
    # Campaigns moved to run from today are charged to the quarters they run in: those have budgets too.
    for year, quarter in ((2026, 4), (2027, 1)):
        PortfolioBudget.objects.create(portfolio=portfolio, year=year, quarter=quarter, amount_cents=1_000_000)
    return portfolio


@pytest.fixture
def make_campaign(portfolio, marketer):
    def make(name: str = "Welcome back", treatments: list[dict] | None = None, **design: object) -> Campaign:
        """A draft campaign (`design` as campaign_create takes it: control design, seed) with a treatment per dict
        (each its own segment, unless the control is shared)."""
        shared = design.get("control_design") == Campaign.ControlDesign.SHARED
        campaign = campaign_create(
            owner=marketer,
            name=name,
            portfolio=portfolio,
            start_date=date(2026, 7, 6),
            end_date=date(2026, 8, 6),
            objective="conversion",
            **design,
        )
        for number, fields in enumerate(treatments or [{}]):
            rules = fields.pop("rules", EVERYONE)
            segment, _ = Segment.objects.get_or_create(
                name=f"{name} {0 if shared else number}", defaults={"owner": marketer, "rules": rules}
            )
            treatment_save(
                campaign=campaign,
                without_control=str(fields.get("holdout_share")) == "0",
                **{
                    "code": chr(65 + number),
                    "segment": segment,
                    "channel": "email",
                    "message_name": "Hello",
                    "holdout_share": "0.100",
                    "cost_per_contact_cents": 10,
                    "priority": number + 1,
                    **fields,
                },
            )
        return campaign

    return make


VALID = {"valid_from": date(2026, 1, 1), "valid_until": date(2027, 12, 31)}


@pytest.fixture
def bank(db) -> dict[str, Offer]:
    garden = Category.objects.create(code="GAR", name="Garden", margin_rate="0.40")
    food = Category.objects.create(code="FOOD", name="Food", margin_rate="0.25")
    store = Store.objects.create(code="S1", name="High Street")
    offers = {
        "garden_15": dict(kind="percent_off", value=15, category=garden, max_quantity=20),
        "garden_5": dict(kind="amount_off", value=5, category=garden),
        "food_10": dict(kind="percent_off", value=10, category=food, budget_cap_cents=3_000),
        "food_gift": dict(kind="gift", value=3, category=food),
        "double_points": dict(kind="points", value=2),
        "expired": dict(kind="percent_off", value=50, valid_until=date(2026, 1, 31)),
        "inactive": dict(kind="percent_off", value=50, active=False),
        "sms_only": dict(kind="percent_off", value=50, channels=["sms"]),
        "one_store": dict(kind="percent_off", value=50),
    }
    made = {}
    for code, fields in offers.items():
        made[code] = Offer.objects.create(
            code=code.upper(),
            name=code.replace("_", " "),
            expected_redemption_rate="0.1000",
            cost_per_redemption_cents=100,
            **{**VALID, **fields},
        )
    made["one_store"].stores.set([store])
    return made


def shares_for(customers, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    categories = list(Category.objects.all())
    CustomerCategoryShare.objects.bulk_create(
        CustomerCategoryShare(customer=customer, category=category, share=float(share), last_purchase_days=int(days))
        for customer in customers
        for category, share, days in zip(categories, rng.dirichlet([1, 1]), rng.integers(0, 400, 2), strict=True)
    )
