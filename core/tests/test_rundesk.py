"""`make run` as a user meets it: the app answers on its port, and stopping it stops everything it started."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from core import embedded_postgres

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_with(data_dir: Path) -> list[int]:
    """Processes of this user whose environment points at `data_dir`."""
    marker = f"DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours
                continue
    return found


def test_the_desk_serves_its_login_page_and_stops_cleanly_on_sigterm(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(DATA_DIR=str(tmp_path), RUN_PORT=str(port), DJANGO_SETTINGS_MODULE="config.settings")
    desk = subprocess.Popen(
        [sys.executable, "manage.py", "rundesk", "--no-demo"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, page = time.monotonic() + 120, ""
        while time.monotonic() < deadline and not page:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read().decode()
            except OSError:
                assert desk.poll() is None, desk.stdout.read()
                time.sleep(0.5)
        assert "Sign in" in page
        assert embedded_postgres.is_running(tmp_path / "pg")

        desk.send_signal(signal.SIGTERM)
        output = desk.communicate(timeout=60)[0]  # the pipe closes once every process that shares it has gone
        deadline = time.monotonic() + 10
        while processes_with(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_with(tmp_path) == [], "the web process or the worker outlived the desk"
        assert "Embedded PostgreSQL stopped." in output
        assert not embedded_postgres.is_running(tmp_path / "pg")
    finally:  # whatever failed, leave nothing running
        for pid in processes_with(tmp_path):
            os.kill(pid, signal.SIGKILL)
        if embedded_postgres.is_running(tmp_path / "pg"):
            embedded_postgres.stop(tmp_path / "pg")
