"""Managers and admins follow every job; a missing or refused page is the app's own, even with DEBUG on."""

import pytest
from django.urls import reverse

from core.models import Job


@pytest.fixture
def debug_on(settings):
    """`make run` keeps DEBUG on for development."""
    settings.DEBUG = True


@pytest.fixture
def marias_job(marketer):
    return Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Maria's report", owner=marketer)


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_see_every_job(client, request, role, marias_job):
    client.force_login(request.getfixturevalue(role))
    assert "Maria&#x27;s report" in client.get(reverse("jobs")).content.decode()
    assert client.get(reverse("job_detail", args=[marias_job.pk])).status_code == 200


def test_another_marketers_job_is_not_found_on_the_apps_own_page(client, debug_on, marias_job, segment_owner):
    client.force_login(segment_owner)
    response = client.get(reverse("job_detail", args=[marias_job.pk]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing here" in page
    assert "URLconf" not in page and "DEBUG = True" not in page


def test_an_unknown_address_is_not_found_on_the_apps_own_page(client, debug_on, marketer):
    client.force_login(marketer)
    response = client.get("/campaigns/999999/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing here" in page and "URLconf" not in page


def test_a_missing_slash_is_still_added(client, debug_on, marketer):
    client.force_login(marketer)
    response = client.get("/jobs")
    assert (response.status_code, response["Location"]) == (301, "/jobs/")


def test_a_refused_page_gives_the_reason_on_the_apps_own_page(client, debug_on, marketer):
    client.force_login(marketer)
    response = client.get(reverse("customers:imports"))
    assert response.status_code == 403
    assert "Your role does not allow this" in response.content.decode()


def test_a_visitor_who_is_not_signed_in_gets_the_same_page(client, debug_on, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()
