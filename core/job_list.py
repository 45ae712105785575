"""The jobs list as a grid: who started what, when, and how far it got, refreshed while jobs run."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.grids import Column, Grid
from core.lib.urls import object_url
from core.models import Job

STATUS_TONES = {Job.Status.SUCCEEDED: "success", Job.Status.FAILED: "danger", Job.Status.RUNNING: "primary"}
# Labels read from a dict: get_FOO_display() builds the dict of every choice again for each row.
KIND_LABELS, STATUS_LABELS = dict(Job.Kind.choices), dict(Job.Status.choices)
NO_WORKER = "Waiting for a worker: none is running. The job starts as soon as one does."


def _started_by(jobs: QuerySet[Job], text: str) -> QuerySet[Job]:
    return jobs.filter(
        Q(owner__username__icontains=text) | Q(owner__first_name__icontains=text) | Q(owner__last_name__icontains=text)
    )


def job_grid() -> Grid:
    return Grid(
        name="jobs",
        sort=("-created_at",),
        placeholder="No jobs here yet. Imports, audience builds and results run as jobs and appear in this list.",
        refresh_seconds=2,
        columns=(
            Column("title", "Job", lookup="title", filter="text", format="link", width=260),
            Column("kind", "Kind", lookup="kind", filter="choice", choices=tuple(Job.Kind.choices)),
            Column("owner", "Started by", lookup="owner__username", filter="text", filter_by=_started_by),
            Column("created_at", "Queued", lookup="created_at", format="date", width=135),
            Column(
                "status", "Status", lookup="status", filter="choice", choices=tuple(Job.Status.choices), format="badge"
            ),
            Column("progress", "Progress", lookup="progress", format="progress", width=120),
            Column(
                "message", "Message", filter="text", filter_by=lambda jobs, text: jobs.filter(message__icontains=text)
            ),
            Column("seconds", "Seconds", format="count", width=80, tooltip="How long it ran"),
        ),
    )


def job_row(job: Job, *, workers_running: bool) -> dict[str, Any]:
    message = NO_WORKER if job.status == Job.Status.QUEUED and not workers_running else job.message
    if job.max_attempts > 1 and job.attempts > 1:
        message = f"Started again, attempt {job.attempts} of {job.max_attempts}. {message}".strip()
    seconds = job.duration_seconds
    return {
        "id": job.pk,
        "url": object_url("job_detail")(job.pk),
        "edit_url": None,
        "title": job.title,
        "kind": KIND_LABELS.get(job.kind, job.kind),
        "owner": (job.owner.get_full_name() or job.owner.username) if job.owner else "system",
        "created_at": timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M"),
        "status": STATUS_LABELS.get(job.status, job.status),
        "status_tone": STATUS_TONES.get(job.status, "secondary"),
        "progress": job.progress,
        "message": message,
        "seconds": round(seconds, 1) if seconds is not None else None,
        "live": not job.is_finished,
    }
