"""Writes to background jobs: create and enqueue, report progress, finish, fail."""

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from core import roles
from core.models import Job

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure the user can act on; its message is shown as the job's error, word for word."""


class Progress:
    """Reports a running job's progress with one cheap UPDATE per call.

    The UPDATE goes through a connection of its own, so that progress made
    inside a long transaction (an import, an audience build) is visible while
    that transaction is still open; it may be called from any thread.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._connection = None
        self._lock = threading.Lock()

    def __call__(self, percent: float, message: str = "") -> None:
        with self._lock, self._side_connection().cursor() as cursor:
            cursor.execute(
                "UPDATE core_job SET progress = %s, message = %s, heartbeat_at = now() WHERE id = %s AND status = %s",
                [max(0, min(100, int(percent))), message[:300], self.job_id, Job.Status.RUNNING],
            )

    def span(self, start: float, end: float) -> "Progress":
        """A Progress whose 0-100 maps onto start-end of this one, for a step of a larger job."""
        return _SpanProgress(self, start, end)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _side_connection(self):
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            self._connection.inc_thread_sharing()
        return self._connection


class _SpanProgress(Progress):
    def __init__(self, parent: Progress, start: float, end: float) -> None:
        self.parent, self.start, self.end = parent, start, end
        self.job_id = parent.job_id

    def __call__(self, percent: float, message: str = "") -> None:
        self.parent(self.start + (self.end - self.start) * percent / 100, message)

    def close(self) -> None:
        self.parent.close()


JobWork = Callable[[Job, Progress], dict[str, Any] | None]


def job_enqueue(
    *,
    kind: str,
    title: str,
    owner: AbstractBaseUser | None,
    task: Task,
    params: dict[str, Any] | None = None,
) -> Job:
    """Create a queued job and send its task once the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, title=title, owner=owner, params=params or {}, celery_task_id=str(uuid.uuid4()))
    transaction.on_commit(lambda: task.apply_async(args=[job.pk], task_id=job.celery_task_id))
    return job


@dataclass(frozen=True)
class JobSpec:
    """One kind of job with its parameters: what a page enqueues and a management command may run in place."""

    kind: str
    title: str
    task: Task
    work: JobWork
    params: dict[str, Any] = field(default_factory=dict)


def job_submit(spec: JobSpec, *, owner: AbstractBaseUser | None) -> Job:
    return job_enqueue(kind=spec.kind, title=spec.title, owner=owner, task=spec.task, params=spec.params)


def job_run(job_id: int, work: JobWork) -> None:
    """Run `work` for a queued job and record the outcome on its row.

    1. Claim the job: only a queued job moves to running, so a message
       delivered twice runs the work once.
    2. Run the work, which reports progress through the Progress it is given.
    3. Record success with the work's result, or failure with an error in
       plain words. Work that fails must leave earlier results untouched; the
       services do that by writing inside one transaction.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, message="Started"
    )
    if not claimed:
        logger.warning("Job %s was not queued any more; not running it again.", job_id)
        return
    job = Job.objects.get(pk=job_id)
    progress = Progress(job_id)
    try:
        result = work(job, progress)
    except JobError as error:
        job_fail(job_id, str(error))
    except Exception as error:
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        job_fail(
            job_id,
            f"The job stopped on an unexpected error ({type(error).__name__}: {error}). "
            "Nothing it was doing was saved; earlier results are unchanged.",
        )
    else:
        job_succeed(job_id, result or {})
    finally:
        progress.close()


def job_succeed(job_id: int, result: dict[str, Any]) -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.SUCCEEDED, progress=100, message="Done", result=result, finished_at=timezone.now()
    )


def job_fail(job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).exclude(status__in=Job.FINISHED).update(
        status=Job.Status.FAILED, message="Failed", error=error, finished_at=timezone.now()
    )


def jobs_fail_stalled() -> int:
    """Mark failed the running jobs whose worker has gone quiet for longer than JOB_STALL_SECONDS."""
    stall = timedelta(seconds=settings.JOB_STALL_SECONDS)
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=timezone.now() - stall).update(
        status=Job.Status.FAILED,
        message="Failed",
        error=f"The worker running this job stopped responding (no progress for {_duration(stall)}). "
        "Nothing it was doing was saved; earlier results are unchanged. Start the job again.",
        finished_at=timezone.now(),
    )


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"


DEMO_PASSWORD = "campaign-desk"
DEMO_USERS = [
    ("marketer", "Maria", "Marketer", roles.MARKETER),
    ("owner", "Omar", "Owner", roles.SEGMENT_OWNER),
    ("manager", "Mina", "Manager", roles.MANAGER),
    ("admin", "Ada", "Admin", roles.ADMIN),
]


@transaction.atomic
def demo_users_ensure() -> list[tuple[str, str, str]]:
    """Create the four demo users (one per role) with the demo password; return their logins."""
    user_model = get_user_model()
    logins = []
    for username, first_name, last_name, role in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = first_name, last_name
        user.email = f"{username}@campaign-desk.example"
        user.is_staff = user.is_superuser = role == roles.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        logins.append((username, DEMO_PASSWORD, role))
    return logins


def jobs_fail_orphaned() -> int:
    """On a single-machine start, jobs still marked running lost their worker when the app last stopped."""
    return Job.objects.filter(status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED,
        message="Failed",
        error="The app was stopped while this job ran. Nothing it was doing was saved; start it again.",
        finished_at=timezone.now(),
    )
