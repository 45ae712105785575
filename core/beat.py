"""A beat scheduler of which exactly one schedules, however many are started.

A beat started beside the `make run` worker, another started by hand, one per machine: each asks
PostgreSQL for one session-level advisory lock; the one that holds it schedules, the others stand by
and ask again every few seconds. When the holder dies its session ends, the lock is free, and a
standby takes over.
"""

import logging
import os
from typing import Any

import psycopg2
from celery.beat import Scheduler

from core.lib.database import private_connection

logger = logging.getLogger(__name__)

# The advisory lock's key in this database: any number that no other lock of the app uses.
BEAT_LOCK_KEY = 7_303_488_210_915_110


class SingleBeatScheduler(Scheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock_connection = None
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._holds_lock():
            return self.max_interval
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        super().close()
        self._release()

    def _holds_lock(self) -> bool:
        """Whether this beat holds the lock, taking it if it is free; a lost session means a lost lock."""
        try:
            if self._lock_connection is not None:
                with self._lock_connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                return True
            database = private_connection(application_name=f"celery beat {os.getpid()}")
            with database.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%(key)s)", {"key": BEAT_LOCK_KEY})
                if not cursor.fetchone()[0]:
                    database.close()
                    return False
            self._lock_connection = database
            logger.info("This beat now schedules the housekeeping jobs.")
            return True
        except psycopg2.Error as error:
            logger.warning("Beat lost or could not take its lock (%s); standing by.", error)
            self._release()
            return False

    def _release(self) -> None:
        if self._lock_connection is not None:
            self._lock_connection.close()
            self._lock_connection = None
