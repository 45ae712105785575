from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_path, env_str, env_url


def test_it_uses_the_default_when_a_variable_is_unset_or_blank(monkeypatch):
    monkeypatch.delenv("DESK_VALUE", raising=False)
    assert env_str("DESK_VALUE", "fallback") == "fallback"
    monkeypatch.setenv("DESK_VALUE", "   ")
    assert env_int("DESK_VALUE", 7) == 7


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)])
def test_it_reads_booleans_in_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("DESK_FLAG", raw)
    assert env_bool("DESK_FLAG", not expected) is expected


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False)


def test_it_refuses_a_number_that_is_not_whole_or_too_small(monkeypatch):
    monkeypatch.setenv("RUN_PORT", "80.5")
    with pytest.raises(ImproperlyConfigured, match="RUN_PORT must be a whole number"):
        env_int("RUN_PORT", 8000)
    monkeypatch.setenv("RUN_PORT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("RUN_PORT", 8000, minimum=1)


def test_it_splits_lists_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "desk.example.com, .example.org,")
    assert env_list("ALLOWED_HOSTS", []) == ["desk.example.com", ".example.org"]


def test_it_resolves_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "x" / ".." / "data"))
    assert env_path("DATA_DIR", Path("var")) == tmp_path / "data"


def test_it_refuses_a_database_url_of_another_kind(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must start with one of postgres, postgresql"):
        env_url("DATABASE_URL", schemes={"postgres", "postgresql"})
