"""Getting checked rows into PostgreSQL: one COPY into a load table, then one set-based merge.

Small tables (stores, categories, customers) are merged with INSERT ... ON
CONFLICT. Large tables (purchases, events) are merged that way too when the
file is small next to the table; when it is not, the table is rewritten: the
load table takes the old rows the file does not replace, gets the table's
indexes built in one pass, and takes the table's place. A table created in the
same transaction is written without WAL where the server allows it, and index
builds sort once instead of inserting row by row, which is what makes a load
of tens of millions of lines run near the speed of a bare COPY.
"""

import io
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import IntegrityError, connection, transaction
from psycopg2 import sql

from core.lib import tables

# Rewrite a large table (or rebuild a small table's indexes) when the file holds at least this share of
# the rows already there: past it, writing everything once and sorting each index once beats updating.
REWRITE_SHARE = 0.2
BULK_ROWS = 100_000
QUEUE_CHUNKS = 3


class RepeatedKeys(Exception):
    """The file carries some keys more than once; `values` are (some of) them."""

    def __init__(self, values: list[str]) -> None:
        self.values = values
        super().__init__(f"{len(values)} repeated keys")


@dataclass
class Counts:
    loaded: int
    new: int
    replaced: int
    unchanged: int = 0
    strategy: str = "upsert"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pa_csv.write_csv(
        pa.Table.from_pandas(frame, preserve_index=False),
        buffer,
        write_options=pa_csv.WriteOptions(include_header=False),
    )
    return buffer.getvalue()


class _ChunkReader(io.RawIOBase):
    """A file-like view of chunks made by a producer thread, for psycopg2's copy_expert."""

    def __init__(self, chunks: "queue.Queue[bytes | BaseException | None]") -> None:
        self.chunks = chunks
        self.pending = memoryview(b"")
        self.finished = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self.pending and not self.finished:
            chunk = self.chunks.get()
            if chunk is None:
                self.finished = True
            elif isinstance(chunk, BaseException):
                raise chunk
            else:
                self.pending = memoryview(chunk)
        size = len(self.pending) if size is None or size < 0 else size
        piece, self.pending = self.pending[:size], self.pending[size:]
        return bytes(piece)


def copy_in(table: str, columns: list[str], chunks: Iterator[bytes]) -> int:
    """COPY the CSV chunks into `table` while the next chunks are being made; returns rows copied.

    1. A thread runs the `chunks` iterator (reading, checking and converting
       the file) and puts each chunk on a short queue.
    2. This thread feeds the queue to COPY, so PostgreSQL parses one chunk
       while Python prepares the next.
    3. If either side fails, the other is told to stop, and the producer's
       error (the more telling one) is raised.
    """
    handoff: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for chunk in chunks:
                if not _offer(handoff, chunk, stop):
                    return
            _offer(handoff, None, stop)
        except BaseException as error:
            failure.append(error)
            _offer(handoff, error, stop)

    producer = threading.Thread(target=produce, name=f"import-{table}", daemon=True)
    producer.start()
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    try:
        with connection.cursor() as cursor:
            cursor.copy_expert(statement.as_string(cursor.connection), _ChunkReader(handoff), 1 << 20)
            copied = cursor.rowcount
    except BaseException:
        stop.set()
        producer.join()
        if failure:
            raise failure[0] from None
        raise
    producer.join()
    return copied


def _offer(handoff: queue.Queue, item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            handoff.put(item, timeout=0.2)
            return True
        except queue.Full:
            continue
    return False


def create_load_table(table: str, columns: list[str], *, large: bool, definition: str = "") -> str:
    """An empty table for the file's rows: a twin of a large table, a temporary one otherwise."""
    load = f"{table}__load"
    if definition:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{load}"')
            cursor.execute(f'CREATE TEMPORARY TABLE "{load}" ({definition}) ON COMMIT DROP')
        return load
    if large:
        tables.create_twin(table, load)
        return load
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                sql.Identifier(load), sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table)
            )
        )
    return load


def merge(
    table: str,
    load: str,
    key: str,
    columns: list[str],
    *,
    defaults: dict[str, object],
    large: bool,
    loaded: int,
) -> Counts:
    if large:
        existing = _row_count(table)
        if loaded >= REWRITE_SHARE * existing:
            return _rewrite(table, load, key, columns, existing, loaded)
    repeated = _repeated_keys(load, key)
    if repeated:
        raise RepeatedKeys(repeated)
    if loaded >= BULK_ROWS and loaded >= REWRITE_SHARE * _row_count(table):
        with _secondary_indexes_rebuilt(table):
            return _upsert(table, load, key, columns, defaults, loaded)
    return _upsert(table, load, key, columns, defaults, loaded)


@contextmanager
def _secondary_indexes_rebuilt(table: str) -> Iterator[None]:
    """Drop the indexes that enforce nothing, and build them again after a bulk write.

    Building an index once over a million rows is several times faster than
    updating it a million times (a full-text index most of all). Dropping an
    index locks the table until the transaction ends: readers wait for a bulk
    load to commit instead of reading the rows it replaces.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = %(table)s AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
            {"table": table},
        )
        secondary = cursor.fetchall()
        for name, _definition in secondary:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    yield
    with connection.cursor() as cursor:
        # Django's foreign keys are checked at commit; an index cannot be built while checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for _name, definition in secondary:
            cursor.execute(definition)


def _repeated_keys(load: str, key: str, limit: int = 1000) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT {key} FROM {load} GROUP BY {key} HAVING count(*) > 1 LIMIT %(limit)s").format(
                key=sql.Identifier(key), load=sql.Identifier(load)
            ),
            {"limit": limit},
        )
        return [value for (value,) in cursor.fetchall()]


def _upsert(table: str, load: str, key: str, columns: list[str], defaults: dict[str, object], loaded: int) -> Counts:
    """One INSERT ... ON CONFLICT; rows the file repeats unchanged are not rewritten."""
    filled = [*columns, *defaults]
    sources = [sql.Identifier(column) for column in columns] + [sql.Placeholder() for _ in defaults]
    updated = [column for column in filled if (column != key and column in columns) or column == "updated_at"]
    statement = sql.SQL(
        """
        WITH upserted AS (
            INSERT INTO {table} AS target ({filled})
            SELECT {sources} FROM {load}
            ON CONFLICT ({key}) {on_conflict}
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
        """
    ).format(
        table=sql.Identifier(table),
        filled=sql.SQL(", ").join(map(sql.Identifier, filled)),
        sources=sql.SQL(", ").join(sources),
        load=sql.Identifier(load),
        key=sql.Identifier(key),
        on_conflict=_on_conflict(key, columns, updated),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, list(defaults.values()))
        new, replaced = cursor.fetchone()
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(load)))
    if new or replaced:
        tables.analyze(table)
    return Counts(loaded=loaded, new=new, replaced=replaced, unchanged=loaded - new - replaced)


def _on_conflict(key: str, columns: list[str], updated: list[str]) -> sql.Composable:
    """Update what the file changes; a file of keys alone changes nothing on rows that exist."""
    compared = [column for column in columns if column != key]
    if not compared:
        return sql.SQL("DO NOTHING")
    return sql.SQL("DO UPDATE SET {assignments} WHERE ({old}) IS DISTINCT FROM ({new})").format(
        assignments=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updated),
        old=sql.SQL(", ").join(sql.SQL("target.{}").format(sql.Identifier(c)) for c in compared),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in compared),
    )


def _rewrite(table: str, load: str, key: str, columns: list[str], existing: int, loaded: int) -> Counts:
    """Make the load table the new table, with the old rows the file does not replace."""
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    kept = 0
    if existing:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL(
                    "INSERT INTO {load} ({names}) SELECT {names} FROM {table} AS old "
                    "WHERE NOT EXISTS (SELECT 1 FROM {load} AS new WHERE new.{key} = old.{key})"
                ).format(load=sql.Identifier(load), table=sql.Identifier(table), names=names, key=sql.Identifier(key))
            )
            kept = cursor.rowcount
    try:
        with transaction.atomic():
            indexes = tables.build_indexes_like(table, load)
    except IntegrityError:
        # Only the unique indexes can fail, and only on a key the file repeats.
        raise RepeatedKeys(_repeated_keys(load, key)) from None
    tables.swap_in(table, load, indexes)
    replaced = existing - kept
    return Counts(loaded=loaded, new=loaded - replaced, replaced=replaced, strategy="rewrite")


def _row_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        return cursor.fetchone()[0]
