"""`make run` as a user meets it: the app answers on its port, survives the death of its worker, and
stopping it stops everything it started."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from core import embedded_postgres
from core.models import Worker
from core.supervisor import control_socket
from core.tests.workers import FAST_HEARTBEATS, wait_for

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


def celery_mains(data_dir: Path, role: bytes, supervisor: int) -> list[int]:
    """The main processes of the desk's Celery worker or beat (`role`): the supervisor's own children."""
    return [
        pid
        for pid in processes_with(data_dir)
        if {b"celery", role} <= set(_cmdline(pid)) and _parent(pid) == supervisor
    ]


def _cmdline(pid: int) -> list[bytes]:
    """The words of a process's command line, a path as its last part (`.venv/bin/celery` as `celery`)."""
    try:
        return [word.rsplit(b"/", 1)[-1] for word in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
    except OSError:
        return []


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return 0


def health(port: int) -> dict:
    try:
        return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5))
    except urllib.error.HTTPError as error:
        return json.load(error)
    except OSError:
        return {}


def desk_query(data_dir: Path, query: str) -> list[tuple]:
    """Rows from the desk's own embedded database."""
    socket_folder = embedded_postgres.socket_dir(data_dir / "pg")
    database = psycopg2.connect(host=str(socket_folder), user="postgres", dbname="postgres")
    try:
        with database.cursor() as cursor:
            cursor.execute(query)
            return cursor.fetchall()
    finally:
        database.close()


def test_the_desk_restarts_a_killed_worker_keeps_one_beat_and_stops_cleanly_on_sigterm(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(DATA_DIR=str(tmp_path), RUN_PORT=str(port), DJANGO_SETTINGS_MODULE="config.settings")
    env.update(FAST_HEARTBEATS)
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
        assert (tmp_path / "gunicorn.ctl").is_socket()  # this copy's own control socket, not the user's shared one
        wait_for(lambda: health(port).get("ok"), what="a green health probe")

        [worker] = celery_mains(tmp_path, b"worker", desk.pid)
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: celery_mains(tmp_path, b"worker", desk.pid) not in ([], [worker]), what="a new worker")
        assert "Sign in" in urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read().decode()
        [restarted] = celery_mains(tmp_path, b"worker", desk.pid)
        wait_for(
            lambda: desk_query(tmp_path, f"SELECT pid FROM {Worker._meta.db_table}") == [(restarted,)],
            what="its heartbeat",
        )
        assert health(port)["ok"]
        assert len(celery_mains(tmp_path, b"beat", desk.pid)) == 1
        locks = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        assert desk_query(tmp_path, locks) == [(1,)]  # exactly one beat schedules

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


def test_a_copy_with_a_long_data_folder_gets_a_short_control_socket_of_its_own(tmp_path):
    long_folder = tmp_path / ("d" * 120)
    long_folder.mkdir()
    socket = control_socket(long_folder)
    assert len(str(socket).encode()) <= 108 and socket != control_socket(tmp_path)
    assert socket == control_socket(long_folder)  # the same copy finds the same one again
    assert control_socket(tmp_path) == tmp_path.resolve() / "gunicorn.ctl"


def test_the_log_of_make_run_has_one_line_per_page_and_none_for_static_files(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(DATA_DIR=str(tmp_path), RUN_PORT=str(port), DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1")
    desk = subprocess.Popen(
        [sys.executable, "manage.py", "rundesk", "--no-demo"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        deadline, page = time.monotonic() + 120, ""
        while time.monotonic() < deadline and not page:
            try:
                page = browser.open(f"{base}/login/", timeout=5).read().decode()
            except OSError:
                assert desk.poll() is None, desk.stdout.read()
                time.sleep(0.5)
        token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "marketer", "password": "campaign-desk"}
        )
        request = urllib.request.Request(f"{base}/login/", data=form.encode(), headers={"Referer": f"{base}/login/"})
        assert "Home" in browser.open(request, timeout=30).read().decode()
        browser.open(f"{base}/static/js/shell.js", timeout=5).read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            browser.open(f"{base}/imports/", timeout=5)
        assert refused.value.code == 403
        time.sleep(1)  # the access log is written after the response
    finally:
        desk.send_signal(signal.SIGTERM)
        output = desk.communicate(timeout=60)[0]
    assert "Embedded PostgreSQL stopped." in output, output
    assert "GET /imports/" in output and "GET / " in output
    assert "/static/" not in output
    assert output.count("Forbidden (Permission denied): /imports/") == 1
    assert "Traceback" not in output and "Error" not in output and "killed" not in output
