"""The jobs grid: each user's own jobs (managers and admins: everyone's), newest first, filtered and paged."""

import pytest
from django.urls import reverse

from core.models import Job

pytestmark = pytest.mark.django_db


def titles(client, **params) -> list[str]:
    response = client.get(reverse("job_rows"), params)
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["data"]]


@pytest.fixture
def jobs(marketer, manager):
    Job.objects.create(kind=Job.Kind.IMPORT, title="Maria's import", owner=marketer, status="succeeded", progress=100)
    Job.objects.create(kind=Job.Kind.RESULTS, title="Maria's results", owner=marketer, status="running", progress=40)
    Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Mina's report", owner=manager, status="failed")


def test_a_marketer_sees_only_their_own_jobs_and_a_manager_every_job(client, marketer, manager, jobs):
    client.force_login(marketer)
    assert titles(client) == ["Maria's results", "Maria's import"]
    assert titles(client, **{"filter.title": "report"}) == []
    client.force_login(manager)
    assert titles(client) == ["Mina's report", "Maria's results", "Maria's import"]


def test_it_filters_by_status_and_kind_and_sorts_by_progress(client, manager, jobs):
    client.force_login(manager)
    assert titles(client, **{"filter.status": "running"}) == ["Maria's results"]
    assert titles(client, **{"filter.kind": "import"}) == ["Maria's import"]
    assert titles(client, sort="-progress") == ["Maria's import", "Maria's results", "Mina's report"]


def test_rows_say_what_a_person_reads(client, marketer, jobs):
    client.force_login(marketer)
    running = client.get(reverse("job_rows")).json()["data"][0]
    assert (running["kind"], running["status"], running["progress"], running["live"]) == (
        "Campaign results",
        "Running",
        40,
        True,
    )
    assert running["url"] == reverse("job_detail", args=[Job.objects.get(title="Maria's results").pk])


def test_it_refuses_a_column_it_does_not_have(client, marketer, jobs):
    client.force_login(marketer)
    for params in ({"sort": "error"}, {"filter.owner_id": "1"}, {"sort": "message"}):
        assert client.get(reverse("job_rows"), params).status_code == 400
