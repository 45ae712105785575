"""Requests that used to end in a server error (500) now end in words on the page, and leave nothing behind."""

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client
from django.urls import reverse

from core.models import Job
from core.services import job_run
from customers.models import DataImport
from customers.tasks import import_job
from segments.models import LifecycleStage, Segment
from segments.services import segment_save

RULES = '{"all": []}'


@pytest.mark.parametrize(
    ("period_end", "message"),
    [
        ("2026-13-45", "The period end is not a date (use YYYY-MM-DD)."),
        ("tomorrow", "The period end is not a date (use YYYY-MM-DD)."),
        ("0001-01-01", "greater than or equal to 1970-01-01"),
        ("2999-01-01", "The period end is in the future"),
    ],
)
def test_staging_with_a_malformed_period_end_says_why(client, admin_user, period_end, message):
    client.force_login(admin_user)
    response = client.post(reverse("segments:refresh", args=["staging"]), {"period_end": period_end}, follow=True)
    assert response.status_code == 200
    assert "Staging was not started" in response.content.decode() and message in response.content.decode()
    assert not Job.objects.exists()


def test_a_stage_colour_that_is_not_a_colour_is_refused(client, admin_user):
    stage = LifecycleStage.objects.get(code="new")
    client.force_login(admin_user)
    form = {"name": stage.name, "position": stage.position, "colour": "#zzzzzz", "rules": RULES}
    response = client.post(reverse("segments:stage_edit", args=[stage.pk]), form)
    assert response.status_code == 200 and "six hex digits" in response.content.decode()
    assert client.get(reverse("segments:stage_edit", args=[99_999_999_999_999_999])).status_code == 404


def test_an_upload_with_a_300_character_name_is_imported_and_leaves_no_folder(
    client, admin_user, settings, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    uploads = settings.DATA_DIR / "uploads"
    before = set(uploads.iterdir()) if uploads.exists() else set()
    upload = io.BytesIO(b"code,name\nS1,High Street\n")
    upload.name = "stores-" + "x" * 290 + ".csv"
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("customers:import_start"),
            {"kind": "stores", "file": upload, "delimiter": ",", "encoding": "utf-8"},
        )
    assert response.status_code == 302
    data_import = DataImport.objects.get()
    assert data_import.file_name.startswith("stores-xxx") and data_import.file_name.endswith("xxx.csv")
    assert len(data_import.file_name) <= 255 and len(data_import.job.title) <= 200
    job_run(data_import.job_id, import_job)  # what the worker does with the queued job
    data_import.job.refresh_from_db()
    assert data_import.job.status == "succeeded"
    after = set(uploads.iterdir()) if uploads.exists() else set()
    assert after == before  # the upload's folder went with the finished job


def test_a_segment_named_like_one_saved_meanwhile_is_refused_in_words(db, marketer):
    Segment.objects.create(name="Lapsed", owner=marketer, rules={"all": []})
    with pytest.raises(ValidationError) as refused:
        segment_save(segment=None, owner=marketer, name="Lapsed", description="", rules={"all": []})
    assert refused.value.message_dict == {"name": ["Another segment is already called Lapsed; choose another name."]}
    assert Segment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_new_segment_pages_posting_one_name_at_once_make_one_segment_and_no_error(marketer):
    start = threading.Barrier(2)
    answers = []

    def post() -> None:
        client = Client(raise_request_exception=False)
        client.force_login(marketer)
        start.wait()
        answer = client.post(reverse("segments:new"), {"name": "Twins", "description": "", "rules": RULES})
        answers.append((answer.status_code, answer.content.decode()))
        connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200, 302]
    assert "already" in next(page for status, page in answers if status == 200)
    assert Segment.objects.filter(name="Twins").count() == 1
