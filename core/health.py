"""The database health report: a maintenance job that reads PostgreSQL's own statistics."""

from typing import Any

from django.db import connection

from core.models import Job
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
    LIMIT %s
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
        cursor.execute(TABLES_SQL, [largest])
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
