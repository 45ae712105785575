"""Django database backend: PostgreSQL, with the embedded server started on first connection."""

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base

from core import embedded_postgres


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params["host"] = str(embedded_postgres.socket_dir(settings.DATA_DIR / "pg"))
        params.setdefault("user", "postgres")
        return params
