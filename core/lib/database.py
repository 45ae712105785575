"""Connections of a component's own, beside Django's, for work that must not share its transactions."""

import psycopg2
from django.db import connections


def private_connection(*, application_name: str = "") -> psycopg2.extensions.connection:
    """A psycopg2 connection in autocommit to the app's database, made from Django's settings (so the
    embedded server is started if need be, and tests reach their own database)."""
    params = connections["default"].get_connection_params()
    if application_name:
        params["application_name"] = application_name  # shown in pg_stat_activity
    database = psycopg2.connect(**params)
    database.autocommit = True
    return database
