"""The demo retailer's lifecycle: stage history, portfolios with owners and budgets, and a dozen segments."""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from core.lib.days import as_of_words, day_start
from core.lib.quarters import quarter_bounds, quarter_of
from core.services import DEMO_PASSWORD, Progress
from customers.models import Customer
from segments.models import (
    BudgetRequest,
    LifecycleStage,
    Portfolio,
    PortfolioBudget,
    PortfolioObjective,
    Segment,
)
from segments.portfolios import budget_change
from segments.services import features_refresh, segment_save, staging_run, value_model_fit

PORTFOLIOS = [
    ("new", "New customers", "owner", "Turn first orders into a habit."),
    ("repurchase", "Repeat buyers", "owner", "Grow frequency and basket size."),
    ("best", "Best customers", "olga", "Keep them, and keep them close."),
    ("at_risk", "Win-back: at risk", "olga", "Bring customers back before they lapse."),
    ("lapsed", "Reactivation", "sven", "Reactivate lapsed customers profitably."),
    ("one_time", "Second purchase", "sven", "Get one-time buyers to order again."),
]
OWNERS = {"olga": ("Olga", "Owner"), "sven": ("Sven", "Owner")}
SEGMENTS = [
    (
        "Emailable regulars",
        "Repeat buyers we may e-mail.",
        {
            "all": [
                {"field": "orders_lifetime", "op": "gte", "value": 3},
                {"field": "consent", "op": "has", "value": "email"},
            ]
        },
    ),
    (
        "Beauty lovers",
        "A third of their spend goes to beauty.",
        {"field": "category_share", "op": "gte", "value": {"category": "BEA", "share": 0.33}},
    ),
    ("Online-first", "Their last order was online.", {"field": "last_channel", "op": "in", "value": ["online"]}),
    (
        "Young app users",
        "Repeat buyers born 1990 or later who accept push messages.",
        {
            "all": [
                {"field": "orders_lifetime", "op": "gte", "value": 2},
                {"field": "birth_year", "op": "gte", "value": 1990},
                {"field": "consent", "op": "has", "value": "push"},
            ]
        },
    ),
    ("High spenders", "Over 1,000 spent in the last year.", {"field": "revenue", "op": "gt", "value": 1000}),
    (
        "Fading regulars",
        "Repeat buyers whose last order is 60 to 180 days old.",
        {
            "all": [
                {"field": "orders_lifetime", "op": "gte", "value": 3},
                {"field": "recency_days", "op": "between", "value": [60, 180]},
            ]
        },
    ),
    (
        "Likely to return",
        "At risk or lapsed, but the value model thinks they are still active.",
        {
            "all": [
                {"field": "stage", "op": "in", "value": ["at_risk", "lapsed"]},
                {"field": "p_active", "op": "gte", "value": 0.5},
            ]
        },
    ),
    (
        "North and Central",
        "Repeat buyers of the northern and central stores.",
        {
            "all": [
                {"field": "orders_lifetime", "op": "gte", "value": 2},
                {"field": "region", "op": "in", "value": ["North", "Central"]},
            ]
        },
    ),
    ("One order so far", "Bought once, not yet a second time.", {"field": "orders_lifetime", "op": "eq", "value": 1}),
    ("Top RFM", "RFM total of 14 or 15.", {"field": "rfm_total", "op": "gte", "value": 14}),
    (
        "Mail only",
        "Reachable by direct mail but not by e-mail.",
        {
            "all": [
                {"field": "consent", "op": "has", "value": "direct_mail"},
                {"not": {"field": "consent", "op": "has", "value": "email"}},
            ]
        },
    ),
    (
        "Garden and home",
        "Bought garden or home goods in the last year.",
        {
            "any": [
                {"field": "category_share", "op": "gt", "value": {"category": "GAR", "share": 0}},
                {"field": "category_share", "op": "gt", "value": {"category": "HOM", "share": 0}},
            ]
        },
    ),
    ("Never bought", "Signed up, no order yet.", {"field": "orders_lifetime", "op": "eq", "value": 0}),
]


def quarter_ends_before(day: date, count: int) -> list[date]:
    year, quarter = quarter_of(day)
    ends = []
    for _ in range(count):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        ends.append(quarter_bounds(year, quarter)[1])
    return sorted(ends)


def lifecycle_load(*, end: date, progress: Progress) -> dict:
    """Features, value model, eight quarters of stages, portfolios and segments for the demo retailer."""
    progress(0, "Describing customers")
    features_refresh(as_of=end, window_days=365)
    progress(15, "Fitting the value model")
    value_model_fit(as_of=end)
    features_refresh(as_of=end, window_days=365)
    periods = quarter_ends_before(end, 8)
    for number, period_end in enumerate(periods):
        progress(30 + 50 * number / len(periods), f"Stages {as_of_words(period_end)}")
        staging_run(period_end=period_end)
    staging_run(period_end=end)
    progress(85, "Portfolios and segments")
    _portfolios(end)
    manager = get_user_model().objects.get(username="manager")
    for name, description, rules in SEGMENTS:
        existing = Segment.objects.filter(name=name).first()
        segment_save(
            segment=existing,
            owner=existing.owner if existing else manager,
            name=name,
            description=description,
            rules=rules,
        )
    _dated(end, manager)
    return {"periods": len(periods) + 1, "portfolios": len(PORTFOLIOS), "segments": len(SEGMENTS)}


def _at(day: date, hour: int) -> datetime:
    return day_start(day) + timedelta(hours=hour)


def _dated(end: date, manager) -> None:
    """Date the set-up as it happened rather than when the demo was loaded: the segments and portfolios a month
    before the first budgeted quarter, each quarter's budget three weeks before it starts, this quarter's
    objectives the week before it, and the pending budget request two days before the history ends."""
    first = PortfolioBudget.objects.order_by("year", "quarter").first()
    set_up = _at(quarter_bounds(first.year, first.quarter)[0] - timedelta(days=30), 10)
    Segment.objects.update(created_at=set_up)
    Segment.history.update(history_date=set_up, history_user=manager)
    Portfolio.history.update(history_date=set_up, history_user=manager)
    for budget in PortfolioBudget.objects.all():
        starts = quarter_bounds(budget.year, budget.quarter)[0]
        budget.history.update(history_date=_at(starts - timedelta(days=21), 11), history_user=manager)
    for objective in PortfolioObjective.objects.all():
        starts = quarter_bounds(objective.year, objective.quarter)[0]
        objective.history.update(
            history_date=_at(starts - timedelta(days=7), 14), history_user=objective.portfolio.owner
        )
    BudgetRequest.objects.filter(status="pending").update(requested_at=_at(end - timedelta(days=2), 16))


def _owner(username: str):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created:
        user.first_name, user.last_name = OWNERS.get(username, (username.title(), ""))
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(Group.objects.get_or_create(name=roles.SEGMENT_OWNER)[0])
    return user


def _portfolios(end: date) -> None:
    year, quarter = quarter_of(end)
    # The last four quarters, this one and the next (quarter numbers counted from year 0 step over new years).
    quarters = [divmod(4 * year + quarter - 1 + offset, 4) for offset in range(-4, 2)]
    quarters = [(budget_year, number + 1) for budget_year, number in quarters]
    for number, (code, name, owner, description) in enumerate(PORTFOLIOS):
        portfolio, _ = Portfolio.objects.update_or_create(
            stage=LifecycleStage.objects.get(code=code),
            defaults={"name": name, "owner": _owner(owner), "description": description},
        )
        for budget_year, budget_quarter in quarters:
            PortfolioBudget.objects.update_or_create(
                portfolio=portfolio,
                year=budget_year,
                quarter=budget_quarter,
                defaults={"amount_cents": _budget_cents(number)},
            )
    marketer = get_user_model().objects.filter(username="marketer").first()
    for portfolio in Portfolio.objects.all():
        portfolio.team.set([marketer] if marketer else [])
    # The best customers hear from us at least twice a quarter and at most six times.
    Portfolio.objects.filter(stage__code="best").update(cadence_min=2, cadence_max=6)
    Portfolio.objects.filter(stage__code="new").update(cadence_min=1, cadence_max=4)
    _budget_request_pending(year, quarter)
    objectives = [
        ("new", PortfolioObjective.Kind.MOVE_TO, "repurchase", 12),
        ("one_time", PortfolioObjective.Kind.MOVE_TO, "repurchase", 8),
        ("at_risk", PortfolioObjective.Kind.KEEP_BELOW, None, 8),
        ("best", PortfolioObjective.Kind.KEEP_ABOVE, None, 10),
        ("lapsed", PortfolioObjective.Kind.MOVE_TO, "repurchase", 3),
    ]
    for code, kind, target, percent in objectives:
        portfolio = Portfolio.objects.get(stage__code=code)
        PortfolioObjective.objects.update_or_create(
            portfolio=portfolio,
            kind=kind,
            year=year,
            quarter=quarter,
            defaults={"target_stage": LifecycleStage.objects.filter(code=target).first(), "target_percent": percent},
        )


def _budget_cents(number: int) -> int:
    """A quarter's budget for the `number`th portfolio: a few times what its campaigns cost, which grows with the
    number of customers they reach (30 to 60 cents a customer), so that the burn charts show money being spent."""
    return _rounded(Customer.objects.count() * (30 + 6 * number))


def _rounded(cents: int) -> int:
    """Cents rounded to hundreds of the currency, as budgets are set."""
    return max(100_00, round(cents, -4))


def _budget_request_pending(year: int, quarter: int) -> None:
    """The New customers owner asks a manager for more money next quarter: the request waits in the inbox."""
    year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    portfolio = Portfolio.objects.get(stage__code="new")
    if portfolio.budget_requests.exists():
        return
    approved = portfolio.budgets.get(year=year, quarter=quarter).amount_cents
    budget_change(
        portfolio=portfolio,
        year=year,
        quarter=quarter,
        amount_cents=approved + _rounded(approved // 4),
        user=portfolio.owner,
        why="The January welcome series doubles: last year's returned three times its cost.",
    )
