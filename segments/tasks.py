"""Segments' jobs: the tasks, the work each runs (a service call turned into the job's result), and the specs
that pages and commands submit."""

from datetime import date
from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser

from core.lib.days import as_of_words
from core.models import Job
from core.services import JobSpec, Progress, job_run, job_submit
from segments.services import (
    features_refresh,
    segments_measure,
    staging_run,
    value_expected_total,
    value_model_fit,
)
from segments.value import Horizon


def features_refresh_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = features_refresh(
        as_of=date.fromisoformat(job.params["as_of"]),
        window_days=job.params.get("window_days"),
        progress=progress,
        job=job,
    )
    return {"version": run.version, "as_of": str(run.as_of), "customers": run.customers, "seconds": run.seconds}


def staging_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = staging_run(period_end=date.fromisoformat(job.params["period_end"]), progress=progress, job=job)
    return {"period_end": str(run.period_end), "customers": run.customers, "counts": run.counts}


def value_model_job(job: Job, progress: Progress) -> dict[str, Any]:
    as_of, horizon_days = job.params.get("as_of"), job.params.get("horizon_days")
    fitted = value_model_fit(
        as_of=date.fromisoformat(as_of) if as_of else None,
        horizon=Horizon(horizon_days) if horizon_days else None,
        progress=progress,
    )
    return {
        "r": fitted.r,
        "alpha": fitted.alpha,
        "a": fitted.a,
        "b": fitted.b,
        "log_likelihood": fitted.log_likelihood,
        "customers": fitted.customers,
        "as_of": str(fitted.as_of),
        "horizon_days": fitted.horizon_days,
        "expected_purchases": value_expected_total(),
    }


@shared_task
def refresh_features(job_id: int) -> None:
    job_run(job_id, features_refresh_job)


@shared_task
def stage_customers(job_id: int) -> None:
    job_run(job_id, staging_job)


@shared_task
def fit_value_model(job_id: int) -> None:
    job_run(job_id, value_model_job)


@shared_task
def measure_segments() -> int:
    return segments_measure()


def refresh_spec(kind: str, **params: Any) -> JobSpec:
    """The job that refreshes features (as_of, window_days), stages (period_end) or fits the value model (as_of,
    horizon_days: both optional)."""
    task, work, subject, day = {
        Job.Kind.FEATURES: (refresh_features, features_refresh_job, "Customer features", params.get("as_of")),
        Job.Kind.STAGING: (stage_customers, staging_job, "Lifecycle stages", params.get("period_end")),
        Job.Kind.CUSTOMER_VALUE: (fit_value_model, value_model_job, "Customer value model", params.get("as_of")),
    }[kind]
    when = as_of_words(date.fromisoformat(day)) if day else "on the published features"
    return JobSpec(kind=kind, title=f"{subject} {when}", task=task, work=work, params=params)


def refresh_enqueue(*, kind: str, owner: AbstractBaseUser | None, **params: Any) -> Job:
    return job_submit(refresh_spec(kind, **params), owner=owner)
