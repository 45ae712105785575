"""Workers killed with SIGKILL in the middle of the segments' jobs (features, stages, the value model): the
published result stays whole, and the job runs again to the new one."""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.utils import timezone

from core.models import Job
from customers.models import Customer, Purchase
from segments import features
from segments.models import CustomerFeatures, FeatureRun, StageAssignment, StagingRun, ValueModelFit
from segments.services import features_refresh, staging_run, value_model_fit
from segments.tasks import refresh_enqueue
from segments.tests.test_value_commands import buyers  # noqa: F401
from segments.value import Horizon

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RETRIED = "Attempt 1 of 3 stopped: its worker stopped. Trying again."


def described() -> dict[str, tuple]:
    rows = CustomerFeatures.objects.values_list("customer__external_id", "orders_lifetime", "recency_days")
    return {external_id: (orders, recency) for external_id, orders, recency in rows}


def stages_of(period_end: date) -> dict[str, str]:
    assignments = StageAssignment.objects.filter(period_end=period_end)
    return dict(assignments.values_list("customer__external_id", "stage__code"))


def tables_left() -> list[str]:
    """Tables a refresh fills before it swaps them in: none may outlive it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE ANY(%s)",
            [[features.twin_name(table).replace("_", "\\_") + "%" for table in (features.FEATURES, features.SHARES)]],
        )
        return [name for (name,) in cursor.fetchall()]


def test_a_killed_refresh_keeps_the_published_features_and_refreshes_again(fault, history, marketer):
    features_refresh(as_of=date(2026, 3, 31), window_days=365)
    before = described()

    job = fault.kill_mid_job(
        lambda: refresh_enqueue(kind=Job.Kind.FEATURES, owner=marketer, as_of="2026-06-30", window_days=365),
        held=FeatureRun,  # written last, once the new tables are in the old ones' place
    )

    assert described() == before
    assert list(FeatureRun.objects.values_list("version", "as_of")) == [(1, date(2026, 3, 31))]
    queued = fault.recover(job)
    assert (queued.status, queued.message) == (Job.Status.QUEUED, RETRIED)
    assert fault.finished(job).status == Job.Status.SUCCEEDED
    assert list(FeatureRun.objects.values_list("version", "as_of")) == [(2, date(2026, 6, 30)), (1, date(2026, 3, 31))]
    assert described()["ann"] == (3, 9)  # her third order, on 2026-06-21
    assert set(described()) == {"ann", "bob", "cat", "dan", "eve"}
    assert tables_left() == []


def test_a_killed_staging_keeps_the_period_s_stages_and_stages_again(fault, history, marketer):
    staging_run(period_end=date(2026, 6, 30))
    before = stages_of(date(2026, 6, 30))
    assert before["eve"] == "prospect"
    eve = Customer.objects.get(external_id="eve")
    Purchase.objects.create(
        line_id="e1",
        customer=eve,
        purchased_at=timezone.make_aware(datetime.combine(date(2026, 6, 20), time(12))),
        channel=Purchase.Where.ONLINE,
        order_ref="E1",
        quantity=1,
        revenue_cents=2_500,
    )

    job = fault.kill_mid_job(
        lambda: refresh_enqueue(kind=Job.Kind.STAGING, owner=marketer, period_end="2026-06-30"),
        held=StagingRun,  # written last, once the period's stages are replaced
    )

    assert stages_of(date(2026, 6, 30)) == before
    assert StagingRun.objects.get().job is None  # the run kept is the one made before
    queued = fault.recover(job)
    assert (queued.status, queued.message) == (Job.Status.QUEUED, RETRIED)
    assert fault.finished(job).status == Job.Status.SUCCEEDED
    after = stages_of(date(2026, 6, 30))
    assert after.keys() == before.keys() and after["eve"] == "new"  # her first order counts now
    assert StagingRun.objects.get().job_id == job.pk
    assert tables_left() == []


def test_a_killed_fit_keeps_the_last_model_and_its_predictions_and_fits_again(fault, buyers, marketer):  # noqa: F811
    value_model_fit(horizon=Horizon(90))
    predictions = dict(CustomerFeatures.objects.values_list("customer_id", "expected_purchases"))

    job = fault.kill_mid_job(
        lambda: refresh_enqueue(kind=Job.Kind.CUSTOMER_VALUE, owner=marketer, horizon_days=182),
        held=CustomerFeatures,  # the predictions are written last, after the new fit's row
        mode="EXCLUSIVE",  # read, not written: the fit reads the buyers first
    )

    assert list(ValueModelFit.objects.values_list("horizon_days", flat=True)) == [90]
    assert dict(CustomerFeatures.objects.values_list("customer_id", "expected_purchases")) == predictions
    queued = fault.recover(job)
    assert (queued.status, queued.message) == (Job.Status.QUEUED, RETRIED)
    assert fault.finished(job).status == Job.Status.SUCCEEDED
    assert list(ValueModelFit.objects.values_list("horizon_days", flat=True)) == [182, 90]
    twice_as_long = dict(CustomerFeatures.objects.values_list("customer_id", "expected_purchases"))
    predicted = [customer for customer, expected in predictions.items() if expected is not None]
    assert len(predicted) == 20
    assert all(twice_as_long[customer] > predictions[customer] for customer in predicted)
