"""Writes: refresh features, stage customers, fit the value model, keep segments and portfolios."""

import io
from datetime import date, timedelta
from time import monotonic

import numpy as np
import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from psycopg2 import sql

from core.lib import days
from core.models import Job
from core.services import JobError, Progress
from customers.models import Purchase
from segments import features, stages
from segments.defaults import DEFAULT_STAGES
from segments.models import (
    CustomerFeatures,
    FeatureRun,
    LifecycleStage,
    Segment,
    SegmentSize,
    StagingRun,
    ValueModelFit,
)
from segments.ruletree.compiler import compile_rules
from segments.ruletree.validation import RuleError, validate
from segments.value import BgNbd, Horizon, fit

WEEK = 7.0
VALUE_HORIZON_DAYS = 90
FIT_SAMPLE = 50_000
CALIBRATION_WEEKS = 26


def features_refresh(
    *, as_of: date, window_days: int | None, progress: Progress | None = None, job: Job | None = None
) -> FeatureRun:
    """Recompute every customer's features as of `as_of` and publish them, all or nothing.

    1. Fill new features and category-share tables from purchases and customers.
    2. Add the value model's predictions and each customer's lifecycle stage.
    3. Index the new tables and swap them in, in the same transaction.
    """
    report = progress or (lambda percent, message="": None)
    started = monotonic()
    beside = not connection.in_atomic_block  # another connection sees what this one does
    with transaction.atomic():
        features.roomy_transaction()
        report(5, "Summing purchases per customer and per category")
        features_table, shares_table, customers = features.fill_twins(
            as_of=as_of, window_days=window_days, beside=beside
        )
        report(70, "Predicting repeat orders")
        latest_fit = ValueModelFit.objects.first()
        if latest_fit:
            predictions_write(features_table, value_model(latest_fit), horizon=Horizon(latest_fit.horizon_days))
        report(80, "Assigning lifecycle stages")
        stages.stages_assign(features_table, shares_table)
        report(88, "Indexing and publishing")
        features.publish_twins(features_table, shares_table)
        version = (FeatureRun.objects.aggregate(latest=Max("version"))["latest"] or 0) + 1
        return FeatureRun.objects.create(
            version=version,
            as_of=as_of,
            window_days=window_days,
            customers=customers,
            seconds=round(monotonic() - started, 2),
            job=job,
        )


def staging_run(
    *, period_end: date, window_days: int | None = 365, progress: Progress | None = None, job: Job | None = None
) -> StagingRun:
    """Record every customer's stage as of the end of the day `period_end`.

    The stages come from the published features when those are as of that day with
    the same window, otherwise from features computed for the purpose.
    """
    report = progress or (lambda percent, message="": None)
    started = monotonic()
    current = FeatureRun.objects.first()
    beside = not connection.in_atomic_block  # another connection sees what this one does
    with transaction.atomic():
        if current and (current.as_of, current.window_days) == (period_end, window_days):
            report(50, "Assigning stages")
            counts = stages.history_record(period_end, features.FEATURES, features.SHARES)
        else:
            features.roomy_transaction()
            report(10, f"Describing customers {days.as_of_words(period_end)}")
            features_table, shares_table, _ = features.fill_twins(
                as_of=period_end, window_days=window_days, beside=beside
            )
            latest_fit = ValueModelFit.objects.first()
            if latest_fit:
                predictions_write(features_table, value_model(latest_fit), horizon=Horizon(latest_fit.horizon_days))
            report(70, "Assigning stages")
            counts = stages.history_record(period_end, features_table, shares_table)
            _drop(features_table, shares_table)
        run, _ = StagingRun.objects.update_or_create(
            period_end=period_end,
            defaults={
                "customers": sum(counts.values()),
                "counts": counts,
                "seconds": round(monotonic() - started, 2),
                "job": job,
            },
        )
    return run


def _drop(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))


def value_model(fit_row: ValueModelFit) -> BgNbd:
    return BgNbd(r=fit_row.r, alpha=fit_row.alpha, a=fit_row.a, b=fit_row.b, log_likelihood=fit_row.log_likelihood)


def _buyers(table: str) -> pd.DataFrame:
    """x, t_x and T (weeks) of every customer in a features table who bought at least once."""
    query = sql.SQL(
        "SELECT customer_id, orders_lifetime - 1 AS x, (first_purchase_days - recency_days) / 7.0 AS t_x, "
        "first_purchase_days / 7.0 AS T FROM {} WHERE orders_lifetime > 0 AND first_purchase_days > 0"
    ).format(sql.Identifier(table))
    with connection.cursor() as cursor:
        cursor.execute(query)
        return pd.DataFrame(cursor.fetchall(), columns=["customer_id", "x", "t_x", "T"]).astype(
            {"x": float, "t_x": float, "T": float}
        )


def expected_purchases(
    model: BgNbd,
    *,
    horizon: Horizon,
    orders_lifetime: pd.Series,
    recency_days: pd.Series,
    first_purchase_days: pd.Series,
) -> pd.DataFrame:
    """Each customer's probability of still being active and orders expected over the horizon, from the
    features; both empty for a customer the model cannot describe (never bought, or first bought on the as-of
    date)."""
    orders, recency, first = (
        pd.to_numeric(values).astype(float) for values in (orders_lifetime, recency_days, first_purchase_days)
    )
    described = (orders > 0) & (first > 0)
    x, t_x, T = (orders - 1)[described], ((first - recency) / WEEK)[described], (first / WEEK)[described]
    predictions = pd.DataFrame({"p_active": np.nan, "expected_purchases": np.nan}, index=orders.index)
    if described.any():
        predictions.loc[described, "p_active"] = model.p_active(x, t_x, T)
        predictions.loc[described, "expected_purchases"] = model.expected_orders(horizon.weeks, x, t_x, T)
    return predictions


def predictions_write(table: str, model: BgNbd, *, horizon: Horizon) -> int:
    """Store each buyer's P(active) and expected orders over the horizon in the features table `table`."""
    buyers = _buyers(table)
    if buyers.empty:
        return 0
    buyers["p_active"] = model.p_active(buyers["x"], buyers["t_x"], buyers["T"])
    buyers["expected"] = model.expected_orders(horizon.weeks, buyers["x"], buyers["t_x"], buyers["T"])
    buffer = io.StringIO()
    buyers[["customer_id", "p_active", "expected"]].to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE value_predictions (customer_id bigint, p_active float8, "
            "expected float8) ON COMMIT DROP"
        )
        cursor.copy_expert("COPY value_predictions FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute(
            sql.SQL(
                "UPDATE {} AS f SET p_active = v.p_active, expected_purchases = v.expected "
                "FROM value_predictions v WHERE v.customer_id = f.customer_id"
            ).format(sql.Identifier(table))
        )
        cursor.execute("DROP TABLE value_predictions")
    return len(buyers)


def value_expected_total() -> float:
    """The orders all customers together are expected to place over the latest fit's horizon."""
    return float(CustomerFeatures.objects.aggregate(total=Sum("expected_purchases", default=0.0))["total"])


CALIBRATION_SQL = """
    SELECT
        count(DISTINCT order_ref) FILTER (WHERE purchased_at < %(cutoff)s) - 1 AS x,
        extract(epoch FROM max(purchased_at) FILTER (WHERE purchased_at < %(cutoff)s)
                           - min(purchased_at)) / 604800.0 AS t_x,
        extract(epoch FROM %(cutoff)s::timestamptz - min(purchased_at)) / 604800.0 AS T,
        count(DISTINCT order_ref) FILTER (WHERE purchased_at >= %(cutoff)s) AS actual
    FROM {purchases}
    WHERE quantity > 0 AND purchased_at < %(until)s
    GROUP BY customer_id
    HAVING min(purchased_at) < %(cutoff)s - interval '1 day'
"""


def value_model_fit(
    *, as_of: date | None = None, horizon: Horizon | None = None, progress: Progress | None = None
) -> ValueModelFit:
    """Fit BG/NBD, check it on a held-out half year, refit on all history and store everyone's predictions.

    The model is fitted on the published features, so it is dated with their date: asked for another one
    (`as_of`), it refuses rather than label one period's parameters with another's date.

    1. Fit on the purchases before a cutoff 26 weeks before that date, predict the
       held-out weeks, and compare with the orders that were really placed.
    2. Fit again on everything before it (a sample of buyers is enough to
       find four parameters) and write predictions into the published features.
    """
    report = progress or (lambda percent, message="": None)
    published = FeatureRun.objects.first()
    if published is None:
        raise JobError("Refresh the customer features before fitting the value model.")
    if as_of is not None and as_of != published.as_of:
        raise JobError(
            f"The customer features are as of {published.as_of}, and the value model is fitted on them: "
            f"refresh them as of {as_of} first, or fit the model as of {published.as_of}."
        )
    as_of = published.as_of
    horizon = horizon or Horizon(VALUE_HORIZON_DAYS)
    rng = np.random.default_rng(20_260_101)
    cutoff = as_of - timedelta(weeks=CALIBRATION_WEEKS)
    report(5, "Summarising purchases before and after the calibration cutoff")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(CALIBRATION_SQL).format(purchases=sql.Identifier(Purchase._meta.db_table)),
            {"cutoff": days.day_end(cutoff), "until": days.day_end(as_of)},
        )
        calibration = pd.DataFrame(cursor.fetchall(), columns=["x", "t_x", "T", "actual"]).astype(float)
    if len(calibration) < 10:
        raise JobError("Too few customers bought before the calibration cutoff to fit the value model.")
    report(40, "Fitting on the calibration period")
    sample = calibration.sample(min(FIT_SAMPLE, len(calibration)), random_state=rng.integers(1 << 31))
    held_out = fit(sample["x"], sample["t_x"], sample["T"])
    calibration["predicted"] = held_out.expected_orders(
        CALIBRATION_WEEKS, calibration["x"], calibration["t_x"], calibration["T"]
    )
    calibration["repeats"] = calibration["x"].clip(upper=7).astype(int)
    by_repeats = (
        calibration.groupby("repeats")
        .agg(customers=("x", "size"), predicted=("predicted", "mean"), actual=("actual", "mean"))
        .reset_index()
    )
    report(65, "Fitting on all history")
    buyers = _buyers(features.FEATURES)
    if len(buyers) < 10:
        raise JobError("Refresh the customer features before fitting the value model.")
    sample = buyers.sample(min(FIT_SAMPLE, len(buyers)), random_state=rng.integers(1 << 31))
    model = fit(sample["x"], sample["t_x"], sample["T"])
    with transaction.atomic():
        fitted = ValueModelFit.objects.create(
            as_of=as_of,
            r=model.r,
            alpha=model.alpha,
            a=model.a,
            b=model.b,
            customers=len(sample),
            log_likelihood=model.log_likelihood,
            horizon_days=horizon.days,
            calibration={
                "cutoff": str(cutoff),
                "weeks": CALIBRATION_WEEKS,
                "by_repeats": by_repeats.round(4).to_dict("records"),
                "total_predicted": round(float(calibration["predicted"].sum()), 1),
                "total_actual": int(calibration["actual"].sum()),
            },
        )
        report(85, "Writing predictions")
        predictions_write(features.FEATURES, model, horizon=horizon)
    return fitted


def stages_ensure_defaults() -> None:
    """Create the shipped lifecycle stages that are missing (the migration does it on a new database)."""
    for position, (code, name, description, colour, rules) in enumerate(DEFAULT_STAGES, start=1):
        LifecycleStage.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "colour": colour,
                "rules": rules,
                "position": position * 10,
            },
        )


# Segments


def segment_rules_lookup(segment_id: int) -> dict | None:
    return Segment.objects.filter(pk=segment_id).values_list("rules", flat=True).first()


def segment_count(rules: dict, *, segment_id: int | None = None) -> int:
    """How many customers the rules select in the published features."""
    condition, params = compile_rules(
        rules, segment_rules=segment_rules_lookup, visiting=(segment_id,) if segment_id else ()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {features.FEATURES} f WHERE {condition}", params)
        return cursor.fetchone()[0]


def segment_stage_counts(rules: dict, *, segment_id: int | None = None) -> dict[str, int]:
    """The customers the rules select per lifecycle stage id ("0": no stage), in the same one scan as a count:
    the plan spreads a segment's planned contacts over the stages it reaches."""
    condition, params = compile_rules(
        rules, segment_rules=segment_rules_lookup, visiting=(segment_id,) if segment_id else ()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(f.stage_id, 0), count(*) FROM {features.FEATURES} f WHERE {condition} GROUP BY 1",
            params,
        )
        return {str(stage_id): customers for stage_id, customers in cursor.fetchall()}


@transaction.atomic
def segment_save(
    *, segment: Segment | None, owner: AbstractBaseUser, name: str, description: str, rules: dict
) -> Segment:
    """Create or change a segment; its rules must compile, and its size is measured and kept."""
    segment = segment or Segment(owner=owner)
    stage_counts = segment_stage_counts(rules, segment_id=segment.pk)
    size = sum(stage_counts.values())
    segment.name, segment.description, segment.rules = name, description, rules
    segment.size, segment.counted_at, segment.stage_counts = size, timezone.now(), stage_counts
    try:
        with transaction.atomic():  # a segment of that name saved meanwhile (two pages posting at once)
            segment.save()
            SegmentSize.objects.create(segment=segment, measured_at=segment.counted_at, size=size)
    except IntegrityError:
        raise ValidationError({"name": f"Another segment is already called {name}; choose another name."}) from None
    return segment


def segments_measure() -> int:
    """Count every segment again (after a feature refresh, or daily) and keep the sizes as history."""
    measured = 0
    for segment in Segment.objects.all():
        try:
            stage_counts = segment_stage_counts(segment.rules, segment_id=segment.pk)
        except RuleError:
            continue
        now, size = timezone.now(), sum(stage_counts.values())
        Segment.objects.filter(pk=segment.pk).update(size=size, counted_at=now, stage_counts=stage_counts)
        SegmentSize.objects.create(segment=segment, measured_at=now, size=size)
        measured += 1
    return measured


@transaction.atomic
def stage_update(
    *, stage: LifecycleStage, name: str, position: int, description: str, colour: str, rules: dict
) -> LifecycleStage:
    """Change a stage's definition; the edit is kept in the stage's history. Customers move when staged next."""
    try:
        validate(rules)
    except RuleError as error:
        raise ValidationError({"rules": str(error)}) from None
    stage.name, stage.position, stage.description = name, position, description
    stage.colour, stage.rules = colour, rules
    stage.full_clean()
    stage.save()
    return stage
