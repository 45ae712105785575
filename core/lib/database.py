"""Connections of a component's own, beside Django's, for work that must not share its transactions."""

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.errors
from django.db import DatabaseError, OperationalError, connection, connections


def private_connection(*, application_name: str = "") -> psycopg2.extensions.connection:
    """A psycopg2 connection in autocommit to the app's database, made from Django's settings (so the
    embedded server is started if need be, and tests reach their own database)."""
    params = connections["default"].get_connection_params()
    if application_name:
        params["application_name"] = application_name  # shown in pg_stat_activity
    database = psycopg2.connect(**params)
    database.autocommit = True
    return database


@contextmanager
def statement_timeout(seconds: int) -> Iterator[None]:
    """Stop any one statement of the default connection that runs longer than `seconds` (0: no limit), for
    the duration of the block; the connection's own limit comes back afterwards."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{seconds}s"])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [before])
        except DatabaseError:
            pass  # a broken connection is replaced, and a new one starts with the server's limit


def timed_out(error: BaseException) -> bool:
    """Whether a database error is PostgreSQL cancelling a statement that ran past statement_timeout."""
    return isinstance(error, OperationalError) and isinstance(error.__cause__, psycopg2.errors.QueryCanceled)


def json_read(value: object) -> object:
    """A JSON value read by hand-written SQL: Django has psycopg2 hand JSON over as text (the ORM decodes its
    own JSON fields), so it is decoded here; a value already decoded is returned as it is."""
    return json.loads(value) if isinstance(value, str) else value
