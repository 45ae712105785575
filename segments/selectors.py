"""Reads: segments and their members, stage history and migration, portfolios and their objectives."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from core.lib.history import Change, changes, merged
from core.lib.memo import digest, remembered
from core.lib.money import format_cents
from core.lib.quarters import quarter_bounds
from core.models import Job
from core.selectors import jobs_version
from customers.models import Channel, Customer
from segments import features
from segments.models import (
    BudgetRequest,
    CustomerFeatures,
    FeatureRun,
    LifecycleStage,
    Portfolio,
    PortfolioBudget,
    PortfolioObjective,
    Segment,
    StageAssignment,
    StagingRun,
    ValueModelFit,
)
from segments.ruletree.compiler import compile_rules
from segments.services import expected_purchases, segment_rules_lookup, value_model
from segments.value import Horizon


def segments_list() -> QuerySet[Segment]:
    return Segment.objects.select_related("owner")


def segments_for_grid() -> QuerySet[Segment]:
    """The segments as their list shows them: without their rules and stage counts, JSON the list never shows."""
    return segments_list().defer("rules", "stage_counts")


def segment_get(segment_id: int) -> Segment:
    return get_object_or_404(Segment.objects.select_related("owner"), pk=segment_id)


def segment_sample(rules: dict, *, segment_id: int | None = None, limit: int = 20) -> list[Customer]:
    """The first customers (by id) the rules select, for a look at who they are."""
    condition, params = compile_rules(
        rules, segment_rules=segment_rules_lookup, visiting=(segment_id,) if segment_id else ()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT f.customer_id FROM {features.FEATURES} f WHERE {condition} ORDER BY f.customer_id LIMIT %(limit)s",
            {**params, "limit": limit},
        )
        ids = [row[0] for row in cursor.fetchall()]
    customers = Customer.objects.in_bulk(ids)
    return [customers[customer_id] for customer_id in ids if customer_id in customers]


def current_features_run() -> FeatureRun | None:
    return FeatureRun.objects.first()


def stages() -> QuerySet[LifecycleStage]:
    return LifecycleStage.objects.order_by("position", "id")


def staging_periods() -> list[date]:
    return list(StagingRun.objects.order_by("period_end").values_list("period_end", flat=True))


def stage_get(stage_id: int) -> LifecycleStage:
    return get_object_or_404(LifecycleStage, pk=stage_id)


@dataclass(frozen=True)
class StageHistory:
    """The staged period ends, in order, and the customers per stage code at each."""

    periods: list[date]
    counts: dict[date, dict[str, int]]


# The jobs that write customers' stages: the current one (in the features) and the stage history.
STAGING_JOBS = (Job.Kind.DEMO_DATA, Job.Kind.FEATURES, Job.Kind.STAGING)


def staging_version() -> str:
    return jobs_version(*STAGING_JOBS)


def stage_history() -> StageHistory:
    runs = list(StagingRun.objects.order_by("period_end").values_list("period_end", "counts"))
    return StageHistory(periods=[period for period, _ in runs], counts=dict(runs))


def stage_counts_over_time() -> pd.DataFrame:
    """Customers per stage code (columns) at each staged period end (rows)."""
    runs = StagingRun.objects.order_by("period_end").values_list("period_end", "counts")
    frame = pd.DataFrame({period: counts for period, counts in runs}).T.fillna(0).astype(int)
    return frame.reindex(columns=[stage.code for stage in stages()], fill_value=0)


def migration_matrix(start: date, end: date) -> pd.DataFrame:
    """How many customers moved from each stage at `start` (rows) to each stage at `end` (columns).

    Customers staged at `end` but not at `start` (they joined in between) are counted from "(joined)".
    """
    history = StageAssignment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT coalesce(a.stage_id, 0), b.stage_id, count(*)
            FROM {history} b LEFT JOIN {history} a ON a.customer_id = b.customer_id AND a.period_end = %(start)s
            WHERE b.period_end = %(end)s
            GROUP BY 1, 2
            """,
            {"start": start, "end": end},
        )
        rows = cursor.fetchall()
    names = {stage.pk: stage.name for stage in stages()} | {0: "(joined)"}
    frame = pd.DataFrame(rows, columns=["from", "to", "customers"])
    frame["from"] = frame["from"].map(names)
    frame["to"] = frame["to"].map(names)
    order = [stage.name for stage in stages()]
    matrix = frame.pivot_table(index="from", columns="to", values="customers", aggfunc="sum", fill_value=0)
    return matrix.reindex(index=["(joined)", *order], columns=order, fill_value=0).loc[lambda m: m.sum(axis=1) > 0]


def migration_around(stage: LifecycleStage, start: date, end: date) -> pd.DataFrame:
    """The migration matrix cut down to the flows into `stage` and out of it."""
    return flows_touching(migration_matrix(start, end), stage.name)


def flows_touching(matrix: pd.DataFrame, stage: str) -> pd.DataFrame:
    """Only the flows that start or end in `stage`: a move between two other stages is not its migration."""
    if stage not in matrix.columns:
        return matrix.iloc[0:0, 0:0]
    touching = pd.DataFrame(
        np.logical_or.outer(matrix.index == stage, matrix.columns == stage), index=matrix.index, columns=matrix.columns
    )
    flows = matrix.where(touching, 0)
    return flows.loc[flows.sum(axis=1) > 0, flows.sum(axis=0) > 0]


def portfolios() -> QuerySet[Portfolio]:
    return Portfolio.objects.select_related("stage", "owner")


def portfolios_with_objectives(every: list[Portfolio] | None = None) -> list[Portfolio]:
    """Every portfolio (or those given, read already with their stages) with its objectives, each objective with
    its stages read in the same query (an objective names its portfolio's stage and its target stage)."""
    every = list(portfolios()) if every is None else every
    objectives = Prefetch("objectives", queryset=PortfolioObjective.objects.select_related("target_stage"))
    prefetch_related_objects(every, objectives)
    for portfolio in every:
        for objective in portfolio.objectives.all():
            objective.portfolio = portfolio
    return every


def portfolio_get(portfolio_id: int) -> Portfolio:
    return get_object_or_404(portfolios(), pk=portfolio_id)


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: PortfolioObjective
    start: date | None
    end: date | None
    measured_percent: float | None
    met: bool | None

    @property
    def explanation(self) -> str:
        if self.measured_percent is None:
            return "Not measured yet: the quarter needs stage history at its start and within it."
        return f"{self.measured_percent:.1f}% measured from {self.start} to {self.end}"


def objective_progress(objective: PortfolioObjective, *, history: StageHistory | None = None) -> ObjectiveProgress:
    """How far the objective is met, from the stage history of its quarter."""
    return objectives_progress([objective], history=history or stage_history())[0]


def objectives_progress(objectives: list[PortfolioObjective], *, history: StageHistory) -> list[ObjectiveProgress]:
    """The progress of each objective, with every "move to" objective counted in one statement for all of them."""
    windows = [_measured_window(objective, history) for objective in objectives]
    moves = _moves(
        {
            (objective.portfolio.stage_id, start, end)
            for objective, (start, end) in zip(objectives, windows, strict=True)
            if objective.kind == PortfolioObjective.Kind.MOVE_TO and start is not None
        }
    )
    return [
        _progress(objective, start, end, history=history, moves=moves)
        for objective, (start, end) in zip(objectives, windows, strict=True)
    ]


def _measured_window(objective: PortfolioObjective, history: StageHistory) -> tuple[date | None, date | None]:
    """The staged periods the objective is measured between: the last one before its quarter and the last within."""
    first, last = quarter_bounds(objective.year, objective.quarter)
    before = [period for period in history.periods if period < first]
    within = [period for period in history.periods if first <= period <= last]
    if not within:
        return None, None
    return (before[-1] if before else None), within[-1]


def _progress(
    objective: PortfolioObjective,
    start: date | None,
    end: date | None,
    *,
    history: StageHistory,
    moves: dict[tuple[int, date, date], dict[int, int]],
) -> ObjectiveProgress:
    if end is None:
        return ObjectiveProgress(objective, None, None, None, None)
    if objective.kind == PortfolioObjective.Kind.MOVE_TO:
        if start is None:
            return ObjectiveProgress(objective, None, end, None, None)
        destinations = moves.get((objective.portfolio.stage_id, start, end), {})
        moved, stayed_in_view = destinations.get(objective.target_stage_id, 0), sum(destinations.values())
        percent = 100 * moved / stayed_in_view if stayed_in_view else 0.0
        return ObjectiveProgress(objective, start, end, percent, percent >= float(objective.target_percent))
    counts = history.counts[end]
    total = sum(counts.values())
    percent = 100 * counts.get(objective.portfolio.stage.code, 0) / total if total else 0.0
    below = objective.kind == PortfolioObjective.Kind.KEEP_BELOW
    met = percent < float(objective.target_percent) if below else percent > float(objective.target_percent)
    return ObjectiveProgress(objective, end, end, percent, met)


def _moves(windows: set[tuple[int, date, date]]) -> dict[tuple[int, date, date], dict[int, int]]:
    """For each (stage, start, end): where its customers at `start` who are still staged at `end` are at `end`.

    Customers no longer staged at `end` are out of view and counted nowhere, so the destinations add up to
    the customers who stayed in view.
    """
    if not windows:
        return {}
    key = f"segments:moves:{staging_version()}:{digest(sorted(windows))}"
    return remembered(key, lambda: _moves_counted(windows))


def _moves_counted(windows: set[tuple[int, date, date]]) -> dict[tuple[int, date, date], dict[int, int]]:
    stage_ids, starts, ends = zip(*windows, strict=True)
    history = connection.ops.quote_name(StageAssignment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT measured.stage_id, measured.start, measured.finish, b.stage_id, count(*)
            FROM unnest(%(stage_ids)s::bigint[], %(starts)s::date[], %(ends)s::date[])
                AS measured (stage_id, start, finish)
            JOIN {history} a ON a.stage_id = measured.stage_id AND a.period_end = measured.start
            JOIN {history} b ON b.customer_id = a.customer_id AND b.period_end = measured.finish
            GROUP BY 1, 2, 3, 4
            """,
            {"stage_ids": list(stage_ids), "starts": list(starts), "ends": list(ends)},
        )
        rows = cursor.fetchall()
    moves: dict[tuple[int, date, date], dict[int, int]] = {}
    for stage_id, start, end, destination_id, customers in rows:
        moves.setdefault((stage_id, start, end), {})[destination_id] = customers
    return moves


def portfolio_objectives(portfolio: Portfolio) -> list[ObjectiveProgress]:
    """The portfolio's objectives and their progress, in a fixed number of queries whatever their number."""
    objectives = list(portfolio.objectives.select_related("portfolio__stage", "target_stage"))
    return objectives_progress(objectives, history=stage_history())


def stage_size_now(stage: LifecycleStage) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {features.FEATURES} WHERE stage_id = %(stage)s", {"stage": stage.pk})
        return cursor.fetchone()[0]


def stage_sizes_now() -> dict[int, int]:
    """Customers per stage id in the current features: one scan of the table, once per staging."""
    return remembered(f"segments:stage-sizes:{staging_version()}", _stage_sizes_counted)


def _stage_sizes_counted() -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stage_id, count(*) FROM {features.FEATURES} GROUP BY stage_id")
        return dict(cursor.fetchall())


def customer_stage_history(customer: Customer) -> QuerySet[StageAssignment]:
    return StageAssignment.objects.filter(customer=customer).select_related("stage").order_by("-period_end")


def customer_features(customer: Customer) -> CustomerFeatures | None:
    return CustomerFeatures.objects.filter(customer=customer).select_related("stage").first()


def latest_value_fit() -> ValueModelFit | None:
    return ValueModelFit.objects.first()


VALUE_EXPORT_CHUNK = 10_000
VALUE_EXPORT_FEATURES = {
    "customer__external_id": "external_id",
    "recency_days": "recency_days",
    "frequency": "frequency",
    "revenue_cents": "monetary",
    "first_purchase_days": "age_days",
    "r_score": "r_score",
    "f_score": "f_score",
    "m_score": "m_score",
    "stage__name": "stage",
    "orders_lifetime": "orders_lifetime",
    "aov_cents": "aov_cents",
}


def value_export_header(horizon: Horizon) -> list[str]:
    days = f"next_{horizon.days}_days"
    return [
        "external_id",
        "recency_days",
        "frequency",
        "monetary",
        "age_days",
        "rfm",
        "stage",
        f"expected_purchases_{days}",
        "p_alive",
        f"expected_value_{days}",
    ]


def value_export_rows(*, horizon: Horizon) -> Iterator[list[object]]:
    """Every customer's features and value over the horizon, in id order, a chunk of customers at a time.

    The rows come through a server-side cursor and the predictions are computed per chunk, so memory holds
    one chunk whatever the number of customers. Expected value is the expected purchases times the average
    order value of the window; both are empty where the model has not been fitted or cannot describe the
    customer (never bought, or first bought on the as-of date).
    """
    fitted = latest_value_fit()
    model = value_model(fitted) if fitted else None
    rows = (
        CustomerFeatures.objects.order_by("customer_id")
        .values_list(*VALUE_EXPORT_FEATURES)
        .iterator(chunk_size=VALUE_EXPORT_CHUNK)
    )
    while chunk := list(islice(rows, VALUE_EXPORT_CHUNK)):
        frame = pd.DataFrame(chunk, columns=list(VALUE_EXPORT_FEATURES.values()))
        numbers = frame.drop(columns=["external_id", "stage"]).apply(pd.to_numeric).astype(float)
        if model:
            predictions = expected_purchases(
                model,
                horizon=horizon,
                orders_lifetime=numbers["orders_lifetime"],
                recency_days=numbers["recency_days"],
                first_purchase_days=numbers["age_days"],
            )
        else:
            predictions = pd.DataFrame({"p_active": np.nan, "expected_purchases": np.nan}, index=frame.index)
        export = pd.DataFrame(
            {
                "external_id": frame["external_id"],
                "recency_days": numbers["recency_days"].astype("Int64"),
                "frequency": numbers["frequency"].astype("Int64"),
                "monetary": (numbers["monetary"] / 100).round(2),
                "age_days": numbers["age_days"].astype("Int64"),
                "rfm": (numbers["r_score"] + numbers["f_score"] + numbers["m_score"]).astype("Int64"),
                "stage": frame["stage"],
                "expected_purchases": predictions["expected_purchases"].round(4),
                "p_alive": predictions["p_active"].round(4),
                "expected_value": (predictions["expected_purchases"] * numbers["aov_cents"] / 100).round(2),
            }
        )
        yield from export.astype(object).where(export.notna(), None).itertuples(index=False, name=None)


def editable_portfolios(user: AbstractBaseUser) -> QuerySet[Portfolio]:
    return portfolios() if user.has_perm("segments.manage_portfolios") else portfolios().filter(owner=user)


def portfolio_budget(portfolio: Portfolio, year: int, quarter: int) -> PortfolioBudget | None:
    return portfolio.budgets.filter(year=year, quarter=quarter).first()


def budget_requests(*, portfolio: Portfolio | None = None, status: str | None = None) -> QuerySet[BudgetRequest]:
    requests = BudgetRequest.objects.select_related("portfolio__stage", "requested_by", "decided_by")
    if portfolio is not None:
        requests = requests.filter(portfolio=portfolio)
    if status is not None:
        requests = requests.filter(status=status)
    return requests.order_by("-requested_at")


def budget_request_get(request_id: int) -> BudgetRequest:
    return get_object_or_404(budget_requests(), pk=request_id)


def portfolio_history(portfolio: Portfolio) -> list[Change]:
    """Who changed the portfolio, its budgets and its objectives, when, what and why: newest first."""
    return merged(
        changes(
            portfolio.history.all(),
            shown={"name": None, "owner": _user_name, "description": None},
            subject=lambda entry: "Portfolio",
        ),
        changes(
            PortfolioBudget.history.filter(portfolio_id=portfolio.pk),
            shown={"amount_cents": format_cents},
            subject=lambda entry: f"Budget {entry.year} Q{entry.quarter}",
        ),
        changes(
            PortfolioObjective.history.filter(portfolio_id=portfolio.pk),
            shown={"kind": _objective_kind, "target_percent": None},
            subject=lambda entry: f"Objective {entry.year} Q{entry.quarter}",
        ),
    )


def _objective_kind(kind: str) -> str:
    return PortfolioObjective.Kind(kind).label


def _user_name(user_id: int) -> str:
    user = get_user_model().objects.filter(pk=user_id).first()
    return str(user) if user else f"user {user_id}"


def rules_in_words(rules: dict) -> str:
    """A rule tree as people read it: "Orders, lifetime ≥ 3 and consent consents to E-mail"."""
    from segments.ruletree.fields import FIELDS, OP_LABELS

    stage_names = dict(LifecycleStage.objects.values_list("code", "name"))

    def named(value: object) -> str:
        """Channels and stages by name, not by their codes."""
        if value in Channel.values:
            return str(Channel(value).label)
        return stage_names.get(value, str(value))

    def words(node: object, top: bool = False) -> str:
        if not isinstance(node, dict):
            return str(node)
        for key, joiner in (("all", " and "), ("any", " or ")):
            if key in node:
                parts = [words(child) for child in node[key]]
                if not parts:
                    return "everyone" if key == "all" else "no one"
                text = joiner.join(parts)
                return text if top or len(parts) == 1 else f"({text})"
        if "not" in node:
            return f"not {words(node['not'])}"
        field = FIELDS.get(node.get("field"))
        label = field.label if field else str(node.get("field", "?"))
        value = node.get("value")
        if isinstance(value, list):
            value = ", ".join(named(item) for item in value)
        elif isinstance(value, str):
            value = named(value)
        elif isinstance(value, dict):
            value = ", ".join(f"{name} {item}" for name, item in value.items())
        operator = OP_LABELS.get(node.get("op"), str(node.get("op", "")))
        return f"{label} {operator} {value}" if value not in (None, "") else f"{label} {operator}"

    text = words(rules, top=True)
    return text if len(text) <= 160 else text[:159] + "…"


def segment_changes(segment: Segment) -> list[Change]:
    return changes(
        segment.history.all(),
        shown={"name": None, "description": None, "rules": rules_in_words},
        subject=lambda entry: entry.name,
    )


def stage_changes(stage: LifecycleStage) -> list[Change]:
    return changes(
        stage.history.all(),
        shown={"name": None, "position": None, "colour": None, "rules": rules_in_words},
        subject=lambda entry: entry.name,
    )
