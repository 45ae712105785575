"""The default Celery broker: a queue table in the app's own PostgreSQL, so one machine needs no broker server.

Each message is one row, committed whole before any worker can see it. A worker takes the oldest row of
its queue and deletes it in the same statement, skipping rows another worker has locked, so a message is
handed to exactly one worker and two workers never wait on each other. A message taken by a worker that
then dies is gone with it: the job rows carry their own heartbeat, and `jobs_recover` sends such jobs again.

Registered with kombu as `deskdb://`; Redis or RabbitMQ replace it through CELERY_BROKER_URL.
"""

import json
import time
from functools import cached_property
from queue import Empty
from typing import Any

import psycopg2
from kombu.transport import TRANSPORT_ALIASES, virtual
from psycopg2 import sql

SCHEME = "deskdb"


class Channel(virtual.Channel):
    """One connection to the database, used by one thread at a time (kombu's connection pool sees to that)."""

    _database = None

    def _put(self, queue: str, message: dict[str, Any], **kwargs: Any) -> None:
        self._execute(
            sql.SQL("INSERT INTO {} (queue, payload) VALUES (%(queue)s, %(payload)s)").format(self._table),
            {"queue": queue, "payload": json.dumps(message)},
        )

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        row = self._execute(
            sql.SQL(
                """
                DELETE FROM {table} WHERE id = (
                    SELECT id FROM {table} WHERE queue = %(queue)s ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
                )
                RETURNING payload
                """
            ).format(table=self._table),
            {"queue": queue},
        )
        if row is None:
            raise Empty()
        return json.loads(row[0])

    def _size(self, queue: str) -> int:
        query = sql.SQL("SELECT count(*) FROM {} WHERE queue = %(queue)s").format(self._table)
        return self._execute(query, {"queue": queue})[0]

    def _purge(self, queue: str) -> int:
        query = sql.SQL("WITH gone AS (DELETE FROM {} WHERE queue = %(queue)s RETURNING 1) SELECT count(*) FROM gone")
        return self._execute(query.format(self._table), {"queue": queue})[0]

    def _delete(self, queue: str, *args: Any, **kwargs: Any) -> None:
        self._purge(queue)

    def close(self) -> None:
        super().close()
        if self._database is not None:
            self._database.close()
            self._database = None

    def _execute(self, query: sql.Composed, params: dict[str, Any]) -> tuple | None:
        with self._connection().cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchone() if cursor.description else None

    def _connection(self):
        """A connection of the channel's own, in autocommit: every statement above is its own transaction."""
        if self._database is None or self._database.closed:
            from core.lib.database import private_connection

            self._database = private_connection()
        return self._database

    @cached_property
    def _table(self) -> sql.Identifier:
        from core.models import BrokerMessage

        return sql.Identifier(BrokerMessage._meta.db_table)


class Transport(virtual.Transport):
    Channel = Channel
    # An idle worker asks each of its queues this often; a job waits at most this long to be picked up.
    polling_interval = 0.2
    # A worker whose every slot is busy looks this often for a free one; that costs no query.
    busy_interval = 0.01
    default_port = 0
    driver_type = "sql"
    driver_name = "postgresql"
    connection_errors = (*virtual.Transport.connection_errors, psycopg2.OperationalError, psycopg2.InterfaceError)
    channel_errors = (*virtual.Transport.channel_errors, psycopg2.OperationalError, psycopg2.InterfaceError)

    def driver_version(self) -> str:
        return psycopg2.__version__

    def drain_events(self, connection: Any, timeout: float | None = None) -> None:
        """As kombu's, but a worker that stopped taking messages because its slots were full takes the
        next one as soon as a slot frees, not a whole polling interval later: a backlog drains at the
        speed of the work. The polling interval is for an empty queue."""
        started = time.monotonic()
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                if timeout is not None and time.monotonic() - started >= timeout:
                    raise TimeoutError() from None
                busy = any(channel._consumers and not channel.qos.can_consume() for channel in self.channels)
                time.sleep(self.busy_interval if busy else self.polling_interval)


def register() -> None:
    TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"
