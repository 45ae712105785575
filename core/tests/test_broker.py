"""The broker hands every message to exactly one worker, however many senders enqueue at once.

Runs on the default broker (a table of the app's database) and, in CI's second pass, on Redis.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from config.celery import app
from core.models import Job
from core.services import job_enqueue
from core.tasks import database_report
from core.tests.workers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MESSAGES, SENDERS = 2_000, 8


@app.task(name="core.tests.record_delivery")
def record_delivery(run: str, number: int) -> None:
    """Writes one row per delivery, so a message delivered twice shows as two rows."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO delivery_probe (run, number) VALUES (%s, %s)", [run, number])


@pytest.fixture
def delivery_probe():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE delivery_probe (run text NOT NULL, number integer NOT NULL)")
    # Messages left in a shared broker by an interrupted run record under another run's name.
    yield uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE delivery_probe")


def deliveries(run: str) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, count(*) FROM delivery_probe WHERE run = %s GROUP BY number", [run])
        return dict(cursor.fetchall())


def test_two_thousand_messages_from_eight_threads_each_run_exactly_once(delivery_probe, celery_worker):
    start = threading.Barrier(SENDERS)

    def send(sender: int) -> None:
        start.wait()  # every sender starts at the same moment
        for number in range(sender, MESSAGES, SENDERS):
            record_delivery.delay(delivery_probe, number)

    with ThreadPoolExecutor(SENDERS) as senders:
        list(senders.map(send, range(SENDERS)))
    wait_for(lambda: sum(deliveries(delivery_probe).values()) >= MESSAGES, seconds=120, what="every delivery")
    counts = deliveries(delivery_probe)
    assert len(counts) == MESSAGES
    assert set(counts.values()) == {1}, {number: n for number, n in counts.items() if n != 1}


def test_jobs_started_at_the_same_moment_from_several_pages_all_succeed_once(celery_worker, manager):
    start = threading.Barrier(4)

    def click(_: int) -> list[int]:
        start.wait()
        try:
            return [
                job_enqueue(kind=Job.Kind.DATABASE_REPORT, title="Report", owner=manager, task=database_report).pk
                for _ in range(5)
            ]
        finally:
            connection.close()  # this thread's own

    with ThreadPoolExecutor(4) as pages:
        job_ids = [job_id for ids in pages.map(click, range(4)) for job_id in ids]
    jobs = Job.objects.filter(pk__in=job_ids)
    wait_for(lambda: jobs.filter(status="succeeded").count() == 20, seconds=120, what="20 finished reports")
    assert set(jobs.values_list("attempts", flat=True)) == {1}
