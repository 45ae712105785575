"""Settings as a whole, loaded in a fresh process with a given environment."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p" * 20 + "-production-secret-key-that-is-long-enough-" + "q" * 10,
    "ALLOWED_HOSTS": "desk.example.com",
    "DATABASE_URL": "postgresql://desk:secret@db.example.com:5432/desk",
    "CELERY_BROKER_URL": "redis://cache.example.com:6379/0",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests allow Django's sync calls inside Playwright's event loop; production never does.
    leave_out = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in leave_out}
    environment.update(env, DATA_DIR=env.get("DATA_DIR", str(settings.DATA_DIR)))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True
    )


def test_it_passes_the_deployment_checks_with_production_values():
    """The values the README's production example sets, and no others."""
    for preload in ("", "1"):
        result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECURE_HSTS_PRELOAD=preload)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_names_the_variable_that_has_a_bad_value():
    result = manage("check", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_it_uses_the_embedded_server_and_the_database_as_broker_by_default():
    if os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else:
        assert settings.DATABASES["default"]["ENGINE"] == "core.embedded_postgres"
    if not os.environ.get("CELERY_BROKER_URL"):
        assert settings.CELERY_BROKER_URL == "deskdb://localhost/"
        assert not settings.CELERY_WORKER_ENABLE_REMOTE_CONTROL


def test_the_tests_run_on_postgresql(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
