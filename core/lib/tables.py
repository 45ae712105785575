"""Replacing a whole table in one transaction, for jobs that rebuild a table from scratch.

The replacement is filled first (a table created in the same transaction is
written without WAL where the server allows it), then gets the old table's
indexes, each built in one sorted pass, and finally takes the old table's name.
Readers keep reading the old table until that last step, which holds its lock
only until the transaction commits.
"""

import re

from django.db import connection
from psycopg2 import sql


def create_twin(table: str, twin: str) -> None:
    """An empty table with `table`'s columns, defaults and NOT NULL constraints, but no index."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(twin)))
        cursor.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS)").format(sql.Identifier(twin), sql.Identifier(table))
        )


def build_indexes_like(table: str, twin: str) -> list[tuple[str, str | None]]:
    """Build `table`'s indexes on `twin` under temporary names; returns what swap_in needs to name them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index_class.relname, pg_get_indexdef(i.indexrelid), c.contype
            FROM pg_index i
            JOIN pg_class index_class ON index_class.oid = i.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
            WHERE i.indrelid = %(table)s::regclass
            ORDER BY index_class.relname
            """,
            {"table": table},
        )
        indexes = cursor.fetchall()
        for position, (_name, definition, _constraint) in enumerate(indexes):
            cursor.execute(_retarget(definition, f"{twin}_{position}", twin))
    return [(name, constraint) for name, _definition, constraint in indexes]


def swap_in(table: str, twin: str, indexes: list[tuple[str, str | None]]) -> None:
    """Drop `table` and give `twin` its name, and its indexes their names."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(table)))
        cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(twin), sql.Identifier(table)))
        for position, (name, constraint) in enumerate(indexes):
            temporary = sql.Identifier(f"{twin}_{position}")
            if constraint in ("p", "u"):
                kind = sql.SQL("PRIMARY KEY" if constraint == "p" else "UNIQUE")
                cursor.execute(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}").format(
                        sql.Identifier(table), sql.Identifier(name), kind, temporary
                    )
                )
            else:
                cursor.execute(sql.SQL("ALTER INDEX {} RENAME TO {}").format(temporary, sql.Identifier(name)))
    analyze(table)


def analyze(*names: str) -> None:
    """Fresh planner statistics for tables a job has just changed in bulk, before anything queries them."""
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))


def _retarget(definition: str, index_name: str, table: str) -> str:
    """The CREATE INDEX statement `definition`, for another index name on another table."""
    retargeted, found = re.subn(
        r"^(CREATE (?:UNIQUE )?INDEX) \S+ ON (?:ONLY )?\S+ ",
        lambda match: f'{match.group(1)} "{index_name}" ON "{table}" ',
        definition,
    )
    if found != 1:
        raise RuntimeError(f"Unexpected index definition: {definition}")
    return retargeted
