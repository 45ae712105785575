"""Real Celery worker processes for the tests that kill them: on the test database, with short heartbeats."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

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
