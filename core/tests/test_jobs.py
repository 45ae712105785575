import time
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import services
from core.models import Job
from core.services import JobError, Progress, job_run, jobs_recover


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


@pytest.fixture
def repeatable_job(marketer):
    """A job as a page enqueues it: with its task's name and three attempts allowed."""
    return Job.objects.create(
        kind=Job.Kind.DATABASE_REPORT,
        title="Report",
        owner=marketer,
        task_name="core.tasks.database_report",
        max_attempts=3,
        due_at=timezone.now(),
    )


def test_a_job_whose_worker_went_silent_is_queued_again(repeatable_job, settings, django_capture_on_commit_callbacks):
    settings.JOB_DEAD_SECONDS = 45
    stale = timezone.now() - timedelta(seconds=46)
    Job.objects.filter(pk=repeatable_job.pk).update(status="running", attempts=1, heartbeat_at=stale, progress=60)
    alive = Job.objects.create(
        kind=Job.Kind.DATABASE_REPORT, title="Alive", status="running", heartbeat_at=timezone.now(), attempts=1
    )
    with django_capture_on_commit_callbacks() as sends:
        assert jobs_recover() == {"retried": 1, "failed": 0, "resent": 0}
    repeatable_job.refresh_from_db()
    assert (repeatable_job.status, repeatable_job.progress) == ("queued", 0)
    assert repeatable_job.message == "Attempt 1 of 3 stopped: its worker stopped. Trying again."
    assert len(sends) == 1  # its message goes out again once the row is committed
    alive.refresh_from_db()
    assert alive.status == "running"


def test_a_silent_job_on_its_last_attempt_fails_and_its_files_are_removed(repeatable_job, settings):
    upload = settings.DATA_DIR / "uploads" / "test-silent-job"
    upload.mkdir(parents=True, exist_ok=True)
    (upload / "customers.csv").write_text("external_id\n1\n")
    stale = timezone.now() - timedelta(seconds=settings.JOB_DEAD_SECONDS + 1)
    Job.objects.filter(pk=repeatable_job.pk).update(
        status="running", attempts=3, heartbeat_at=stale, files=[str(upload)]
    )
    assert jobs_recover() == {"retried": 0, "failed": 1, "resent": 0}
    repeatable_job.refresh_from_db()
    assert repeatable_job.status == "failed"
    assert repeatable_job.error.startswith("The worker running this job stopped (attempt 3 of 3).")
    assert not upload.exists()


def test_a_job_that_may_not_be_repeated_fails_when_its_worker_goes_silent(job):
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs_recover()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and "Start the job again" in job.error


@pytest.mark.django_db(transaction=True)
def test_what_follows_a_lost_jobs_failure_runs_once_the_sweep_has_committed(job, monkeypatch):
    """The sweep runs on every worker's heartbeat and locks every lost job: what follows a failure (possibly
    long) must not run under those locks, and must find the failure already there for everyone."""
    seen = []

    def follow(failed):
        other = connections.create_connection(DEFAULT_DB_ALIAS)  # what any other process sees meanwhile
        try:
            with other.cursor() as cursor:
                cursor.execute(f"SELECT status FROM {Job._meta.db_table} WHERE id = %s", [failed.pk])
                seen.append(cursor.fetchone()[0])
        finally:
            other.close()

    monkeypatch.setitem(services._failure_actions, Job.Kind.DATABASE_REPORT, follow)
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs_recover()["failed"] == 1
    assert seen == ["failed"]


def test_a_queued_job_whose_message_is_long_overdue_is_sent_again(
    repeatable_job, settings, django_capture_on_commit_callbacks
):
    settings.JOB_RESEND_SECONDS = 600
    Job.objects.filter(pk=repeatable_job.pk).update(due_at=timezone.now() - timedelta(seconds=601))
    with django_capture_on_commit_callbacks() as sends:
        assert jobs_recover()["resent"] == 1
    assert len(sends) == 1
    repeatable_job.refresh_from_db()
    assert repeatable_job.status == "queued" and timezone.now() - repeatable_job.due_at < timedelta(seconds=5)


def test_a_lost_connection_queues_the_job_again_after_a_delay(repeatable_job, settings):
    settings.JOB_RETRY_DELAY_SECONDS = 10

    def work(job, progress):
        raise OperationalError("server closed the connection unexpectedly")

    job_run(repeatable_job.pk, work)
    repeatable_job.refresh_from_db()
    assert (repeatable_job.status, repeatable_job.attempts) == ("queued", 1)
    assert "Attempt 1 of 3 stopped: it lost a connection" in repeatable_job.message
    assert repeatable_job.message.endswith("Trying again in 10 seconds.")
    assert timedelta(seconds=8) < repeatable_job.due_at - timezone.now() <= timedelta(seconds=10)

    job_run(repeatable_job.pk, work)  # the second attempt: the delay doubles
    repeatable_job.refresh_from_db()
    assert (repeatable_job.status, repeatable_job.attempts) == ("queued", 2)
    assert repeatable_job.message.endswith("Trying again in 20 seconds.")


def test_a_lost_connection_on_the_last_attempt_fails_the_job(repeatable_job):
    Job.objects.filter(pk=repeatable_job.pk).update(attempts=2)

    def work(job, progress):
        raise OperationalError("could not connect to server")

    job_run(repeatable_job.pk, work)
    repeatable_job.refresh_from_db()
    assert (repeatable_job.status, repeatable_job.attempts) == ("failed", 3)
    assert "on its last allowed attempt (3 of 3)" in repeatable_job.error


def test_a_permanent_error_is_not_repeated(repeatable_job):
    def work(job, progress):
        raise JobError("Row 3, column birth_year: 1980.5 is not a whole number.")

    job_run(repeatable_job.pk, work)
    repeatable_job.refresh_from_db()
    assert (repeatable_job.status, repeatable_job.attempts) == ("failed", 1)


@pytest.mark.django_db(transaction=True)
def test_a_job_beats_while_its_work_is_busy(job, settings):
    settings.JOB_HEARTBEAT_SECONDS = 1
    beats = []

    def work(job, progress):
        first = Job.objects.get(pk=job.pk).heartbeat_at
        time.sleep(2.5)  # one long statement: no progress reported
        beats.append(Job.objects.get(pk=job.pk).heartbeat_at - first)
        return {}

    job_run(job.pk, work)
    assert beats[0] >= timedelta(seconds=1)


def test_the_jobs_page_shows_a_retried_job_and_a_job_waiting_for_a_worker(client, repeatable_job):
    Job.objects.filter(pk=repeatable_job.pk).update(attempts=2)
    client.force_login(repeatable_job.owner)
    page = client.get(reverse("jobs")).content.decode()
    assert "attempt 2 of 3" in page
    assert "Waiting for a worker: none is running" in page


def test_the_jobs_page_lists_only_my_jobs(client, job, manager):
    Job.objects.create(kind=Job.Kind.DATABASE_REPORT, title="Someone else's report", owner=manager)
    client.force_login(job.owner)
    page = client.get(reverse("jobs")).content.decode()
    assert "Report" in page and "Someone else" not in page


def test_an_admin_sees_every_job(client, job, admin_user):
    client.force_login(admin_user)
    assert "Report" in client.get(reverse("jobs")).content.decode()


def test_another_users_job_is_not_found(client, job, segment_owner):
    client.force_login(segment_owner)
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


def test_the_jobs_page_reads_a_fixed_number_of_queries_and_writes_nothing(client, admin_user, marketer):
    client.force_login(admin_user)

    def statements_for(jobs: int) -> list[str]:
        Job.objects.bulk_create(
            Job(kind=Job.Kind.DATABASE_REPORT, title=f"Report {n}", owner=marketer, status="queued")
            for n in range(jobs - Job.objects.count())
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("jobs")).status_code == 200
        return [query["sql"] for query in queries.captured_queries]

    few, many = statements_for(2), statements_for(12)
    assert len(few) == len(many)
    assert not [sql for sql in many if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def test_a_job_past_its_time_limit_stops_at_its_next_report_and_fails_saying_so(job, settings):
    settings.JOB_TIME_LIMIT_SECONDS = 1
    reached = []

    def work(job, progress):
        progress(10, "Started")
        time.sleep(1.2)
        progress(50, "Halfway")
        reached.append(50)

    job_run(job.pk, work)
    job.refresh_from_db()
    assert reached == [] and job.status == "failed"
    assert job.error == (
        "The job ran longer than 1 seconds (JOB_TIME_LIMIT_SECONDS) and was stopped. Nothing it was doing was "
        "saved; earlier results are unchanged."
    )
