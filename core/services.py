"""Writes to background jobs: create and enqueue, report progress and heartbeats, finish, retry, recover."""

import functools
import logging
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import F, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from core import roles
from core.lib.database import statement_timeout, timed_out
from core.models import GridView, Job, Worker

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure the user can act on; its message is shown as the job's error, word for word."""


class Progress:
    """Reports a running job's progress with one cheap UPDATE per call, and stops a job past its time limit.

    The UPDATE goes through a connection of its own, so that progress made
    inside a long transaction (an import, an audience build) is visible while
    that transaction is still open; it may be called from any thread.
    """

    def __init__(self, job_id: int, *, deadline: float | None = None) -> None:
        self.job_id = job_id
        self.deadline = deadline  # on the monotonic clock
        self._connection = None
        self._lock = threading.Lock()

    def __call__(self, percent: float, message: str = "") -> None:
        self.check()
        self._update(
            "progress = %(progress)s, message = %(message)s, heartbeat_at = now()",
            {"progress": max(0, min(100, int(percent))), "message": message[:300]},
        )

    def beat(self) -> None:
        """Tell the job's watchers that its worker is alive, whether or not the work has moved."""
        self._update("heartbeat_at = now()", {})

    def check(self) -> None:
        """Stop the job, by raising JobError, once it has run past JOB_TIME_LIMIT_SECONDS. Every progress
        report checks; work that computes for long without reporting (the offer allocation's threads) calls
        this between its steps, on any thread."""
        if self.deadline is not None and monotonic() > self.deadline:
            raise JobError(_time_limit_error())

    def span(self, start: float, end: float) -> "Progress":
        """A Progress whose 0-100 maps onto start-end of this one, for a step of a larger job."""
        return _SpanProgress(self, start, end)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _update(self, assignments: str, params: dict[str, Any]) -> None:
        """Set `assignments` on the job while it runs, through the side connection."""
        statement = f"UPDATE {Job._meta.db_table} SET {assignments} WHERE id = %(job)s AND status = %(running)s"
        with self._lock:
            try:
                with self._side_connection().cursor() as cursor:
                    cursor.execute(statement, {**params, "job": self.job_id, "running": Job.Status.RUNNING})
            except DatabaseError:
                self.close()  # the next call connects afresh
                raise

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

    def beat(self) -> None:
        self.parent.beat()

    def check(self) -> None:
        self.parent.check()

    def close(self) -> None:
        self.parent.close()


class _Heartbeat(threading.Thread):
    """Beats for a running job every JOB_HEARTBEAT_SECONDS, so a job in one long SQL statement still looks alive."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(name=f"job-{progress.job_id}-heartbeat", daemon=True)
        self.progress = progress
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
            try:
                self.progress.beat()
            except DatabaseError as error:  # the job itself meets the same fault and decides what to do
                logger.warning("Job %s: heartbeat not written (%s)", self.progress.job_id, error)

    def __enter__(self) -> "_Heartbeat":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.join()


JobWork = Callable[[Job, Progress], dict[str, Any] | None]

# Faults of the connection to the database or the broker: the same job may well succeed a moment later.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, KombuOperationalError, ConnectionError, TimeoutError)


def job_enqueue(
    *,
    kind: str,
    title: str,
    owner: AbstractBaseUser | None,
    task: Task,
    params: dict[str, Any] | None = None,
    repeatable: bool = True,
    files: Sequence[Path] = (),
) -> Job:
    """Create a queued job and send its task once the surrounding transaction commits.

    A `repeatable` job may be started again after a lost connection or a dead worker (up to
    JOB_MAX_ATTEMPTS starts): its work must leave the same outcome when run twice. `files` are removed
    once the job has ended for good.
    """
    job = Job.objects.create(
        kind=kind,
        title=title,
        owner=owner,
        params=params or {},
        celery_task_id=str(uuid.uuid4()),
        task_name=task.name,
        max_attempts=settings.JOB_MAX_ATTEMPTS if repeatable else 1,
        due_at=timezone.now(),
        files=[str(path) for path in files],
    )
    transaction.on_commit(lambda: _job_send(job))
    return job


@dataclass(frozen=True)
class JobSpec:
    """One kind of job with its parameters: what a page enqueues and a management command may run in place."""

    kind: str
    title: str
    task: Task
    work: JobWork
    params: dict[str, Any] = field(default_factory=dict)
    repeatable: bool = True


def job_submit(spec: JobSpec, *, owner: AbstractBaseUser | None) -> Job:
    return job_enqueue(
        kind=spec.kind, title=spec.title, owner=owner, task=spec.task, params=spec.params, repeatable=spec.repeatable
    )


def job_run(job_id: int, work: JobWork) -> None:
    """Run `work` for a queued job and record the outcome on its row.

    1. Claim the job: only a queued job moves to running, so a message
       delivered twice runs the work once. Each claim counts an attempt.
    2. Run the work, which reports progress through the Progress it is given,
       while a thread beats for it (see `jobs_recover` for a silent job).
    3. Record success with the work's result; on a lost connection, queue the
       job again after a growing delay if it may be repeated; otherwise record
       failure with an error in plain words. Work that fails must leave earlier
       results untouched; the services do that by writing inside one transaction.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        progress=0,
        message="Started",
        attempts=F("attempts") + 1,
    )
    if not claimed:
        logger.warning("Job %s was not queued any more; not running it again.", job_id)
        return
    job = Job.objects.get(pk=job_id)
    progress = Progress(job_id, deadline=monotonic() + settings.JOB_TIME_LIMIT_SECONDS)
    try:
        with _Heartbeat(progress), statement_timeout(settings.JOB_STATEMENT_TIMEOUT_SECONDS):
            result = work(job, progress)
    except JobError as error:
        job_fail(job_id, str(error), attempt=job.attempts)
    except TRANSIENT_ERRORS as error:
        if timed_out(error):  # the same work would run as long again: no retry
            job_fail(job_id, _timed_out_error(), attempt=job.attempts)
        else:
            logger.warning("Job %s (%s) lost a connection on attempt %s: %s", job_id, job.kind, job.attempts, error)
            _job_retry_or_fail(job, f"{type(error).__name__}: {error}".strip())
    except Exception as error:
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        job_fail(
            job_id,
            f"The job stopped on an unexpected error ({type(error).__name__}: {error}). "
            "Nothing it was doing was saved; earlier results are unchanged.",
            attempt=job.attempts,
        )
    else:
        job_succeed(job_id, result or {}, attempt=job.attempts)
    finally:
        progress.close()


def job_succeed(job_id: int, result: dict[str, Any], *, attempt: int | None = None) -> None:
    _this_attempt(job_id, attempt).update(
        status=Job.Status.SUCCEEDED, progress=100, message="Done", result=result, finished_at=timezone.now()
    )
    _job_files_remove(job_id)


def job_params_add(job: Job, **params: Any) -> None:
    """Keep on a running job what it has begun (for instance the run it created), for what follows its failure
    to find even when its worker is killed."""
    job.params = {**job.params, **params}
    Job.objects.filter(pk=job.pk).update(params=job.params)


def job_fail(job_id: int, error: str, *, attempt: int | None = None) -> None:
    if _job_failed(job_id, error, attempt=attempt):
        _job_failure_follow(job_id)


def _job_failed(job_id: int, error: str, *, attempt: int | None = None) -> bool:
    """Record the failure unless the job has finished (or been started again); True if it is ours."""
    unfinished = _this_attempt(job_id, attempt).exclude(status__in=Job.FINISHED)
    failed = unfinished.update(status=Job.Status.FAILED, message="Failed", error=error, finished_at=timezone.now())
    _job_files_remove(job_id)
    return bool(failed)


# What the app owning a kind of job does once one of them has failed for good, whatever stopped it (an error,
# a lost connection on its last attempt, its worker killed): kind -> action, given the job.
_failure_actions: dict[str, Callable[[Job], None]] = {}


def job_failure_register(kind: str, action: Callable[[Job], None]) -> None:
    """Have `action` run whenever a job of this kind fails for good, so that its app can settle what the job
    had begun (for instance a run that other jobs share)."""
    _failure_actions[kind] = action


# What apps do after every recovery sweep to settle again what failed jobs had begun, in case what followed a
# failure did not finish (it raised, or its process stopped): it must be harmless to run any number of times.
_sweep_actions: list[Callable[[], None]] = []


def job_sweep_register(action: Callable[[], None]) -> None:
    """Have `action` run after every recovery sweep, once the sweep has committed; it holds its own
    transactions."""
    _sweep_actions.append(action)


def _job_failure_follow(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    action = _failure_actions.get(job.kind)
    if action is None:
        return
    try:
        with transaction.atomic():  # a failing action must not undo the job's failure
            action(job)
    except Exception:
        logger.exception("Job %s (%s) failed, and what follows a failure did not run", job_id, job.kind)


def _this_attempt(job_id: int, attempt: int | None) -> QuerySet[Job]:
    """The job, unless it has been started again since `attempt` (then that attempt's outcome is not ours)."""
    jobs = Job.objects.filter(pk=job_id)
    return jobs if attempt is None else jobs.filter(attempts=attempt)


def jobs_recover(*, dead_after: timedelta | None = None) -> dict[str, int]:
    """Find the jobs that lost their worker or their message, and send them again or fail them.

    Every worker runs this on its heartbeat, so it must be safe to run at once in several processes:
    each job is taken under a row lock that the others skip.

    1. A running job whose heartbeat is older than `dead_after` (JOB_DEAD_SECONDS) lost its worker:
       it goes back to the queue if it may be repeated and has attempts left, otherwise it fails with
       the reason; a failed job's files are removed. What follows its failure runs once the sweep has
       committed (it may be long, and must not hold the other lost jobs' locks), in a transaction of its own.
    2. A queued job whose message was due more than JOB_RESEND_SECONDS ago is sent again, in case the
       message went down with a worker; a duplicate message finds the job claimed and does nothing.
    3. The apps' sweep actions settle again what earlier failures left unsettled (see `job_sweep_register`).
    """
    now = timezone.now()
    dead_after = timedelta(seconds=settings.JOB_DEAD_SECONDS) if dead_after is None else dead_after
    with transaction.atomic():
        lost = list(
            Job.objects.select_for_update(skip_locked=True).filter(
                status=Job.Status.RUNNING, heartbeat_at__lte=now - dead_after
            )
        )
        for job in lost:
            if job.may_retry:
                _job_requeue(job, delay=0, reason="its worker stopped")
            elif _job_failed(job.pk, _lost_worker_error(job)):
                transaction.on_commit(functools.partial(_job_failure_follow, job.pk))
        resend = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=Job.Status.QUEUED, due_at__lt=now - timedelta(seconds=settings.JOB_RESEND_SECONDS))
            .exclude(task_name="")
        )
        for job in resend:
            job.due_at = now
            job.save(update_fields=["due_at"])
            transaction.on_commit(functools.partial(_job_send, job))
    for action in _sweep_actions:
        try:
            action()
        except Exception:
            logger.exception("A recovery sweep's action (%s) did not finish; the next sweep runs it again", action)
    retried = sum(job.may_retry for job in lost)
    return {"retried": retried, "failed": len(lost) - retried, "resent": len(resend)}


def _job_retry_or_fail(job: Job, fault: str) -> None:
    """After a lost connection: queue the job again after a delay that doubles with each attempt, or fail it.

    If the database is still away, the job stays running without a heartbeat and `jobs_recover` takes it.
    """
    if not connection.in_atomic_block:  # a broken connection is replaced: the next query opens a new one
        connection.close_if_unusable_or_obsolete()
    try:
        if not job.may_retry:
            job_fail(
                job.pk,
                f"The job lost its connection to the database or the broker ({fault}) on its last allowed attempt "
                f"({job.attempts} of {job.max_attempts}). Nothing it was doing was saved; start it again.",
                attempt=job.attempts,
            )
            return
        delay = settings.JOB_RETRY_DELAY_SECONDS * 2 ** (job.attempts - 1)
        with transaction.atomic():
            _job_requeue(job, delay=delay, reason=f"it lost a connection ({fault[:120]})")
    except DatabaseError as error:
        logger.error("Job %s could not be queued again (%s); the recovery sweep will.", job.pk, error)


def _job_requeue(job: Job, *, delay: int, reason: str) -> None:
    """Put a running job back in the queue; its message is sent once the caller's transaction commits."""
    job.status, job.progress = Job.Status.QUEUED, 0
    job.due_at = timezone.now() + timedelta(seconds=delay)
    wait = f" in {_duration(timedelta(seconds=delay))}" if delay else ""
    job.message = f"Attempt {job.attempts} of {job.max_attempts} stopped: {reason}. Trying again{wait}."[:300]
    job.save(update_fields=["status", "progress", "due_at", "message"])
    transaction.on_commit(functools.partial(_job_send, job, countdown=delay))


def _job_send(job: Job, countdown: int = 0) -> None:
    """Hand the job's message to the broker. A broker that cannot be reached leaves the job queued:
    `jobs_recover` sends it again later."""
    try:
        current_app.send_task(
            job.task_name, args=[job.pk], task_id=job.celery_task_id or None, countdown=countdown or None
        )
    except TRANSIENT_ERRORS as error:
        logger.error("Job %s could not be handed to the broker (%s); it will be sent again.", job.pk, error)


def _timed_out_error() -> str:
    limit = _duration(timedelta(seconds=settings.JOB_STATEMENT_TIMEOUT_SECONDS))
    return (
        f"A database statement of this job ran longer than {limit} (JOB_STATEMENT_TIMEOUT_SECONDS) and was "
        "stopped. Nothing it was doing was saved; earlier results are unchanged."
    )


def _time_limit_error() -> str:
    limit = _duration(timedelta(seconds=settings.JOB_TIME_LIMIT_SECONDS))
    return (
        f"The job ran longer than {limit} (JOB_TIME_LIMIT_SECONDS) and was stopped. Nothing it was doing was "
        "saved; earlier results are unchanged."
    )


def _lost_worker_error(job: Job) -> str:
    attempts = f" (attempt {job.attempts} of {job.max_attempts})" if job.max_attempts > 1 else ""
    return (
        f"The worker running this job stopped{attempts}. Nothing it was doing was saved; "
        "earlier results are unchanged. Start the job again."
    )


def _job_files_remove(job_id: int) -> None:
    """Remove the files a finished job owned; only ever inside DATA_DIR."""
    data_dir = settings.DATA_DIR.resolve()
    for name in Job.objects.filter(pk=job_id).values_list("files", flat=True).first() or []:
        path = Path(name).resolve()
        if path.is_relative_to(data_dir) and path != data_dir:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"


@transaction.atomic
def worker_report(*, hostname: str, pid: int, queues: str, started_at: datetime) -> None:
    """Record that a worker's main process is alive (its heartbeat)."""
    Worker.objects.update_or_create(
        hostname=hostname,
        defaults={"pid": pid, "queues": queues, "started_at": started_at, "seen_at": timezone.now()},
    )


def worker_forget(*, hostname: str) -> None:
    Worker.objects.filter(hostname=hostname).delete()


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


class GridViewError(Exception):
    """A saved view that cannot be kept; the message says why."""


GRID_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
GRID_VIEW_PARTS = {"columns", "sort", "filters", "size"}
GRID_VIEW_MAX_ITEMS = 60
GRID_VIEWS_PER_LIST = 30
GRID_VIEWS_PER_USER = 200


def grid_view_save(*, user: AbstractBaseUser, grid: str, name: str, state: Any) -> GridView:
    """Keep the user's view of a list under a name, replacing their view of that name."""
    name = " ".join(str(name).split())
    if not GRID_NAME.match(grid):
        raise GridViewError("There is no such list.")
    if not 0 < len(name) <= 60:
        raise GridViewError("A view needs a name of at most 60 characters.")
    state = _grid_view_state(state)
    views = GridView.objects.filter(user=user, grid=grid)
    if not views.filter(name=name).exists():
        if views.count() >= GRID_VIEWS_PER_LIST:
            raise GridViewError(f"A list keeps at most {GRID_VIEWS_PER_LIST} views; delete one first.")
        if GridView.objects.filter(user=user).count() >= GRID_VIEWS_PER_USER:
            raise GridViewError(f"One keeps at most {GRID_VIEWS_PER_USER} views in all; delete one first.")
    view, _ = GridView.objects.update_or_create(user=user, grid=grid, name=name, defaults={"state": state})
    return view


def grid_view_delete(*, view: GridView) -> None:
    view.delete()


def _grid_view_state(state: Any) -> dict[str, Any]:
    """The view as the browser sent it, kept only if it has the expected shape (it is shown back to it)."""
    if not isinstance(state, dict) or set(state) - GRID_VIEW_PARTS:
        raise GridViewError("A view holds columns, sort, filters and a page size.")
    columns = _grid_view_items(state.get("columns", []), {"field": str, "visible": bool, "width": (int, type(None))})
    sort = _grid_view_items(state.get("sort", []), {"field": str, "dir": str})
    filters = _grid_view_items(state.get("filters", []), {"field": str, "value": str})
    if any(item["dir"] not in ("asc", "desc") for item in sort):
        raise GridViewError("A sort goes up or down.")
    size = state.get("size")
    if size is not None and not isinstance(size, int):
        raise GridViewError("A page size is a whole number.")
    return {"columns": columns, "sort": sort, "filters": filters, "size": size}


def _grid_view_items(items: Any, shape: dict[str, type | tuple[type, ...]]) -> list[dict[str, Any]]:
    if not isinstance(items, list) or len(items) > GRID_VIEW_MAX_ITEMS:
        raise GridViewError(f"A view holds at most {GRID_VIEW_MAX_ITEMS} columns, sorts or filters.")
    kept = []
    for item in items:
        if not isinstance(item, dict) or set(item) - set(shape):
            raise GridViewError("A view's column, sort or filter has an unexpected shape.")
        for key, kind in shape.items():
            value = item.get(key)
            if not isinstance(value, kind) or (isinstance(value, str) and len(value) > 200):
                raise GridViewError("A view's column, sort or filter has an unexpected shape.")
        kept.append({key: item.get(key) for key in shape})
    return kept
