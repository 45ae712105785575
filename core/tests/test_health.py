"""/healthz: the database, the broker and a worker heartbeat, each with its age; red when a worker dies."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import BrokerMessage, Worker
from core.tests.workers import kill_group, wait_for, worker_process


def a_worker_seen(seconds_ago: float) -> Worker:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    return Worker.objects.create(hostname="worker@desk", pid=4242, queues="default,long", started_at=seen, seen_at=seen)


def test_it_is_green_with_the_database_the_broker_and_a_live_worker(client, db):
    a_worker_seen(2)
    response = client.get("/healthz")
    report = response.json()
    assert response.status_code == 200 and report["ok"]
    assert report["database"]["ok"] and report["database"]["age_seconds"] == 0
    assert report["broker"]["ok"]
    assert report["worker"] == {"ok": True, "age_seconds": pytest.approx(2, abs=1), "workers": 1}


@pytest.mark.django_db(transaction=True)
def test_it_counts_the_messages_waiting_in_the_default_queue(client, settings):
    # The broker reads its table on a connection of its own: only committed messages are waiting for it.
    waiting = client.get("/healthz").json()["broker"]["waiting_messages"]
    BrokerMessage.objects.bulk_create(
        BrokerMessage(queue=queue, payload="{}") for queue in [settings.CELERY_TASK_DEFAULT_QUEUE] * 3 + ["long"]
    )
    assert client.get("/healthz").json()["broker"]["waiting_messages"] == waiting + 3


def test_it_is_red_when_no_worker_has_reported(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["error"] == "no worker has reported since the app started"


def test_it_is_red_when_the_newest_heartbeat_is_too_old(client, db, settings):
    settings.WORKER_DEAD_SECONDS = 30
    a_worker_seen(31)
    report = client.get("/healthz").json()
    assert not report["ok"] and report["database"]["ok"] and report["broker"]["ok"]
    assert report["worker"]["ok"] is False and report["worker"]["age_seconds"] >= 31
    assert report["worker"]["error"] == "no worker has reported for 31 seconds"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_it_turns_red_within_a_minute_of_the_workers_death(client, settings):
    settings.WORKER_DEAD_SECONDS = 3  # as the worker below is told
    worker = worker_process()
    try:
        wait_for(lambda: client.get("/healthz").status_code == 200, what="a green probe")
        kill_group(worker)
        took = wait_for(lambda: client.get("/healthz").status_code == 503, what="a red probe")
    finally:
        kill_group(worker)
    assert took < 60
    assert "no worker has reported" in client.get("/healthz").json()["worker"]["error"]
