"""Real Celery worker processes for the tests that kill them: on the test database, with short heartbeats."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Model, QuerySet

from core.models import Job
from core.services import jobs_recover

# Heartbeats every second and a job taken for dead after three silent seconds, so the tests take seconds.
FAST_HEARTBEATS = {
    "JOB_HEARTBEAT_SECONDS": "1",
    "JOB_DEAD_SECONDS": "3",
    "WORKER_HEARTBEAT_SECONDS": "1",
    "WORKER_DEAD_SECONDS": "3",
}


def database_url() -> str:
    """The test database, for a process of its own."""
    params = connection.get_connection_params()
    host = quote(str(params.get("host") or ""), safe="")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{params.get('user', 'postgres')}@{host}{port}/{connection.settings_dict['NAME']}"


def celery_process(*arguments: str, **env: str) -> subprocess.Popen:
    """`celery -A config ...` in a session of its own, on the test database and the configured broker."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *arguments, "--loglevel", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url(), **FAST_HEARTBEATS, **env},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def worker_process(*, pool: str = "prefork", **env: str) -> subprocess.Popen:
    return celery_process(
        "worker", "--pool", pool, "--concurrency", "1", "--queues", "default,long", "--without-mingle",
        "--without-gossip", **env,
    )  # fmt: skip


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait(timeout=30)


def children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def wait_for(condition: Callable[[], object], seconds: float = 60, what: str = "the condition") -> float:
    """Wait until `condition()` is true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{what} not met after {seconds} s")


@contextmanager
def hold(what: type[Model] | QuerySet, mode: str = "ACCESS EXCLUSIVE") -> Iterator[None]:
    """Lock a model's table (in `mode`) or a queryset's rows (for update) on a connection of its own while the
    block runs, so that a job which needs them waits there, inside its transaction."""
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    try:
        with blocker.cursor() as cursor:
            if isinstance(what, QuerySet):
                statement, params = what.select_for_update().query.get_compiler(connection=blocker).as_sql()
                cursor.execute(statement, params)
            else:
                cursor.execute(f"LOCK TABLE {what._meta.db_table} IN {mode} MODE")
        yield
    finally:
        blocker.rollback()
        blocker.close()


def waiting_for_a_lock() -> bool:
    """Whether a session of this database is waiting for a lock another holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def other_writers() -> bool:
    """Whether another session of this database holds an open transaction that has written something."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


class Fault:
    """A job killed in the middle on one real worker, found by the sweep for lost jobs, and run again on a
    second worker, which starts while the first is still caught so that a test takes seconds, not minutes.

    The second worker takes a job for dead only after ten minutes, so that the test's own sweep is the one
    that finds the killed job and the test can read what the sweep left.
    """

    def __init__(self) -> None:
        self.workers: list[subprocess.Popen] = []

    def kill_mid_job(
        self,
        start: Callable[[], Job],
        *,
        held: type[Model] | QuerySet,
        mode: str = "ACCESS EXCLUSIVE",
        **env: str,
    ) -> Job:
        """Start a job on a real worker, catch it (or a job it started) waiting for the held table or rows,
        SIGKILL the worker and all its processes, and return the job once PostgreSQL has rolled back what
        the worker had not committed. `env` is the workers' environment."""
        worker = self._start(**env)
        with hold(held, mode):
            job = start()
            wait_for(waiting_for_a_lock, what=f"the job waiting for {held}")
            self._start(**{**env, "JOB_DEAD_SECONDS": "600"})  # the message is taken: this one finds only the retry
            kill_group(worker)
        wait_for(lambda: not other_writers(), what="the killed worker's transaction rolled back")
        return Job.objects.get(pk=job.pk)

    def recover(self, job: Job) -> Job:
        """Sweep for lost jobs as a surviving worker does once the job has been silent for JOB_DEAD_SECONDS,
        and return the job as the sweep left it (its message is sent when the sweep commits)."""
        with transaction.atomic():
            jobs_recover(dead_after=timedelta(0))
            return Job.objects.get(pk=job.pk)

    def finished(self, job: Job, seconds: float = 60) -> Job:
        """The job once the second worker has run it to its end."""
        wait_for(lambda: Job.objects.get(pk=job.pk).status in Job.FINISHED, seconds=seconds, what=f"{job} finished")
        return Job.objects.get(pk=job.pk)

    def close(self) -> None:
        for worker in self.workers:
            kill_group(worker)

    def _start(self, **env: str) -> subprocess.Popen:
        self.workers.append(worker_process(pool="solo", **env))
        return self.workers[-1]
