"""However many beat schedulers are started, exactly one schedules; when it dies, a standby takes over."""

import time

import pytest
from django.db import connection

from core.beat import BEAT_LOCK_KEY
from core.tests.workers import celery_process, kill_group, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def scheduling_beats() -> list[int]:
    """Process ids of the beats whose session holds the beat lock (a bigint key is kept in two halves)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.classid::bigint = %(high)s AND l.objid::bigint = %(low)s
            """,
            {"high": BEAT_LOCK_KEY >> 32, "low": BEAT_LOCK_KEY & 0xFFFFFFFF},
        )
        return [int(name.rsplit(" ", 1)[1]) for (name,) in cursor.fetchall()]


def still_one_for(seconds: float) -> list[int]:
    """Sample the lock holders for a while: there must never be two."""
    deadline, seen = time.monotonic() + seconds, set()
    while time.monotonic() < deadline:
        holders = scheduling_beats()
        assert len(holders) <= 1, f"two beats schedule at once: {holders}"
        seen.update(holders)
        time.sleep(0.1)
    return sorted(seen)


def test_beats_started_together_or_again_schedule_as_one_and_a_standby_takes_over():
    beats = {}
    try:
        for _ in range(2):
            beat = celery_process("beat", "--max-interval", "1")
            beats[beat.pid] = beat
        wait_for(lambda: len(scheduling_beats()) == 1, what="one beat holding the lock")
        [leader] = still_one_for(3)
        standby = next(pid for pid in beats if pid != leader)
        assert all(beat.poll() is None for beat in beats.values())  # the standby runs, and waits

        kill_group(beats[leader])
        wait_for(lambda: scheduling_beats() == [standby], seconds=30, what="the standby taking over")

        again = celery_process("beat", "--max-interval", "1")  # a restart beside the new leader
        beats[again.pid] = again
        assert still_one_for(4) == [standby]
        assert again.poll() is None
    finally:
        for beat in beats.values():
            kill_group(beat)
