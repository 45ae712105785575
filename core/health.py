"""How the app's services are: the live check behind /healthz, and the database health report job."""

import time
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from core.models import Job, Worker
from core.selectors import workers_alive
from core.services import Progress

TABLES_SQL = """
    SELECT c.relname,
           c.reltuples::bigint AS estimated_rows,
           pg_total_relation_size(c.oid) AS total_bytes,
           pg_indexes_size(c.oid) AS index_bytes
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
    ORDER BY pg_total_relation_size(c.oid) DESC
    LIMIT %(largest)s
"""

SERVER_SQL = """
    SELECT version(),
           pg_database_size(current_database()),
           now() - pg_postmaster_start_time(),
           (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()),
           (SELECT round(100.0 * sum(blks_hit) / nullif(sum(blks_hit) + sum(blks_read), 0), 2)
              FROM pg_stat_database WHERE datname = current_database())
"""


def database_report(job: Job, progress: Progress, *, largest: int = 15) -> dict[str, Any]:
    progress(10, "Reading server statistics")
    with connection.cursor() as cursor:
        cursor.execute(SERVER_SQL)
        version, size_bytes, uptime, connections, cache_hit = cursor.fetchone()
        progress(50, "Measuring tables")
        cursor.execute(TABLES_SQL, {"largest": largest})
        tables = [
            {"table": name, "estimated_rows": max(rows, 0), "total_bytes": total, "index_bytes": indexes}
            for name, rows, total, indexes in cursor.fetchall()
        ]
    return {
        "server_version": version.split(" on ")[0],
        "database_bytes": size_bytes,
        "uptime_seconds": int(uptime.total_seconds()),
        "connections": connections,
        "cache_hit_percent": float(cache_hit) if cache_hit is not None else None,
        "largest_tables": tables,
    }


def service_health() -> dict[str, Any]:
    """The database and the broker checked now, and the age of the newest worker heartbeat."""
    checks = {"database": _database_check(), "broker": _broker_check()}
    checks["worker"] = _worker_check() if checks["database"]["ok"] else _down("the database cannot be read")
    return {"ok": all(check["ok"] for check in checks.values()), **checks}


def _database_check() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        connection.close()
        return _down(str(error).strip())
    return {"ok": True, "age_seconds": 0.0, "latency_ms": _since(started)}


def _broker_check() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=3)
            # Declared as the workers declare it: a broker that drops empty queues (Redis) has none to look up.
            queue = current_app.amqp.queues[current_app.conf.task_default_queue](broker.default_channel)
            waiting = queue.queue_declare().message_count
    except Exception as error:  # any fault of any transport means the same thing here: jobs cannot be sent
        return _down(f"{type(error).__name__}: {error}")
    return {"ok": True, "age_seconds": 0.0, "latency_ms": _since(started), "waiting_messages": waiting}


def _worker_check() -> dict[str, Any]:
    newest = Worker.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if newest is None:
        return _down("no worker has reported since the app started")
    age = (timezone.now() - newest).total_seconds()
    alive = len(workers_alive())
    check = {"ok": age <= settings.WORKER_DEAD_SECONDS, "age_seconds": round(age, 1), "workers": alive}
    if not check["ok"]:
        check["error"] = f"no worker has reported for {int(age)} seconds"
    return check


def _down(error: str) -> dict[str, Any]:
    return {"ok": False, "age_seconds": None, "error": error}


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
