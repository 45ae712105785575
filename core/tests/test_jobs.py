from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Job
from core.services import JobError, Progress, job_run, jobs_fail_orphaned, jobs_fail_stalled


@pytest.fixture
def job(marketer):
    return Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Report", owner=marketer)


# Progress is written through a connection of its own (so it shows while the job's transaction is open):
# these tests commit their rows for that connection to see them.
@pytest.mark.django_db(transaction=True)
def test_it_records_progress_and_the_result(job):
    seen = []

    def work(job, progress):
        progress(40, "Halfway there")
        seen.append(Job.objects.values_list("status", "progress", "message").get(pk=job.pk))
        return {"rows": 3}

    job_run(job.pk, work)
    job.refresh_from_db()
    assert seen == [("running", 40, "Halfway there")]
    assert (job.status, job.progress, job.result) == ("succeeded", 100, {"rows": 3})
    assert job.started_at <= job.finished_at


@pytest.mark.django_db(transaction=True)
def test_a_step_reports_inside_its_share_of_the_bar(job):
    Job.objects.filter(pk=job.pk).update(status="running")
    progress = Progress(job.pk)
    progress.span(50, 100)(50, "Second step, half done")
    progress.close()
    job.refresh_from_db()
    assert (job.progress, job.message) == (75, "Second step, half done")


def test_a_job_error_is_shown_word_for_word(job):
    def work(job, progress):
        raise JobError("Row 12, column email: 'x@' is not an e-mail address.")

    job_run(job.pk, work)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "Row 12, column email: 'x@' is not an e-mail address."


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_is_explained_in_plain_words(job):
    def work(job, progress):
        progress(30, "Working")
        raise ZeroDivisionError("division by zero")

    job_run(job.pk, work)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.progress == 30
    assert "unexpected error (ZeroDivisionError: division by zero)" in job.error
    assert "earlier results are unchanged" in job.error


def test_a_job_delivered_twice_runs_once(job):
    calls = []
    job_run(job.pk, lambda job, progress: calls.append(1))
    job_run(job.pk, lambda job, progress: calls.append(1))
    assert calls == [1]


def test_a_running_job_whose_worker_went_quiet_is_marked_failed(job, settings):
    settings.JOB_STALL_SECONDS = 60
    Job.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now() - timedelta(seconds=61))
    fresh = Job.objects.create(
        kind=Job.Kind.DATABASE_REPORT, title="Fresh", status="running", heartbeat_at=timezone.now()
    )
    assert jobs_fail_stalled() == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == "failed" and "stopped responding (no progress for 60 seconds)" in job.error
    assert fresh.status == "running"


def test_jobs_left_running_by_a_stopped_app_are_marked_failed(job):
    Job.objects.filter(pk=job.pk).update(status="running")
    assert jobs_fail_orphaned() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "app was stopped" in job.error


def test_the_jobs_page_lists_only_my_jobs(client, job, manager):
    Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Someone else's report", owner=manager)
    client.force_login(job.owner)
    page = client.get(reverse("jobs")).content.decode()
    assert "Report" in page and "Someone else" not in page


def test_an_admin_sees_every_job(client, job, admin_user):
    client.force_login(admin_user)
    assert "Report" in client.get(reverse("jobs")).content.decode()


def test_another_users_job_is_not_found(client, job, manager):
    client.force_login(manager)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_progress", args=[job.pk])).status_code == 404


def test_the_progress_bar_polls_while_running_and_stops_when_done(client, job):
    client.force_login(job.owner)
    Job.objects.filter(pk=job.pk).update(status="running", progress=35, heartbeat_at=timezone.now())
    running = client.get(reverse("job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in running and 'aria-valuenow="35"' in running
    Job.objects.filter(pk=job.pk).update(status="succeeded", progress=100)
    done = client.get(reverse("job_progress", args=[job.pk]) + "?refresh=1")
    assert "hx-trigger" not in done.content.decode()
    assert done["HX-Refresh"] == "true"


def test_a_marketer_cannot_start_the_database_report(client, marketer):
    client.force_login(marketer)
    assert client.post(reverse("database_report_start")).status_code == 403
    assert not Job.objects.exists()


def test_a_manager_starts_the_database_report(client, manager, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("database_report_start"))
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.owner, job.status, job.kind) == (manager, "queued", "database_report")
    assert len(callbacks) == 1  # the task is sent only after the job row is committed
