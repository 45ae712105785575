"""Test-wide setup: users per role, a real worker, Chromium and the shared data files.

Tasks sent by tests never reach the worker of a running app: the default broker is a table of the
database, and the tests run on a test database of their own.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from pytest_django import DjangoDbBlocker

# Test users need passwords, not costly ones: the real hasher spends half a second on each on purpose.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A test's threads (live servers, job heartbeats) close their connections when done only if none is kept; a kept
# one would stop the test database from being dropped at the end.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0

CHROMIUM = Path("/usr/bin/chromium")
SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _required(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}


def pytest_sessionstart(session: pytest.Session) -> None:
    from django.conf import settings

    from core import embedded_postgres

    # With several test processes, the one that runs the others stops the server once they have all ended.
    test_process = "PYTEST_XDIST_WORKER" in os.environ
    session.config.stash[_started_postgres] = (
        settings.EMBEDDED_DATABASE and not test_process and not embedded_postgres.is_running(settings.DATA_DIR / "pg")
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    from django.conf import settings

    from core import embedded_postgres

    if session.config.stash.get(_started_postgres, False):
        embedded_postgres.stop(settings.DATA_DIR / "pg")


_started_postgres = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with no figures kept: tests write rows straight to the database, not through the jobs
    whose versions name the kept figures, and a rolled-back test leaves the same versions to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def shipped_rows(request: pytest.FixtureRequest) -> None:
    """Transactional tests empty every table after them: before any test that uses the database, put back
    what the migrations ship (roles, stages, scorecards), whichever tests ran before it in this process."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif marker or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    restore_shipped_rows()


@contextmanager
def committed_for_the_module(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Rows written inside stay committed for all the tests of a module, whose own changes are still rolled back.

    It starts from empty tables with the ids counting from 1 again (whatever ran before in this process, so
    that anything drawn from ids comes out the same) and the shipped rows; afterwards every table is emptied
    and the shipped rows put back, even when loading failed halfway.
    """
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        restore_shipped_rows()
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)
            restore_shipped_rows()


def restore_shipped_rows() -> None:
    from django.contrib.auth.models import Group

    from core.roles import ALL_ROLES
    from scorecards.services import shipped_templates_ensure
    from segments.services import stages_ensure_defaults

    for role in ALL_ROLES:
        Group.objects.get_or_create(name=role)
    stages_ensure_defaults()
    shipped_templates_ensure()


def _shared_data_folder() -> Path:
    if not SHARED_DATA.is_dir():
        message = f"the shared data folder {SHARED_DATA} is missing"
        if _required("REQUIRE_SHARED_DATA"):
            pytest.fail(message + " and REQUIRE_SHARED_DATA=1")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    """The folder of real data files; skips where it is missing, fails under REQUIRE_SHARED_DATA=1."""
    return _shared_data_folder()


@pytest.fixture(scope="session")
def shared_data_once() -> Path:
    """The same folder for module-scoped fixtures that load a big file once for all the tests of a module."""
    return _shared_data_folder()


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if _required("REQUIRE_BROWSER"):
            pytest.fail(message + " and REQUIRE_BROWSER=1")
        pytest.skip(message)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


@pytest.fixture
def marketer(db):
    from core.tests.factories import UserFactory

    return UserFactory(username="maria", role="Marketer")


@pytest.fixture
def segment_owner(db):
    from core.tests.factories import UserFactory

    return UserFactory(username="omar", role="Segment owner")


@pytest.fixture
def other_segment_owner(db):
    from core.tests.factories import UserFactory

    return UserFactory(username="olga", role="Segment owner")


@pytest.fixture
def manager(db):
    from core.tests.factories import UserFactory

    return UserFactory(username="mina", role="Manager")


@pytest.fixture
def admin_user(db):
    from core.tests.factories import UserFactory

    return UserFactory(username="ada", role="Admin")


@pytest.fixture
def outsider(db):
    """A signed-in user with no role at all."""
    from core.tests.factories import UserFactory

    return UserFactory(username="nobody")


@pytest.fixture(scope="session", autouse=True)
def broker_connections(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Close the connections that sending tasks opened, so the test database can be dropped at the end."""
    yield
    from config.celery import app

    app.pool.force_close_all()


@pytest.fixture
def fault(transactional_db) -> Iterator[object]:
    """Real workers to kill in the middle of a job (see core/tests/workers.py), stopped after the test."""
    from core.tests.workers import Fault

    fault = Fault()
    try:
        yield fault
    finally:
        fault.close()


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[object]:
    """A real Celery worker, in this process, consuming the configured broker (the database's unless set)."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, queues=["default", "long"], loglevel="WARNING"
    ) as worker:
        yield worker
