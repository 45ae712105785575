"""A job's statement that runs too long is stopped by PostgreSQL, and the job fails saying so."""

import pytest
from django.db import connection, transaction

from core.models import Job
from core.services import job_run


@pytest.fixture
def repeatable_job(marketer):
    return Job.objects.create(
        kind=Job.Kind.DATABASE_REPORT,
        title="Report",
        owner=marketer,
        task_name="core.tasks.database_report",
        max_attempts=3,
    )


def current_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_job_whose_query_runs_too_long_fails_saying_so_and_is_not_repeated(repeatable_job, settings):
    settings.JOB_STATEMENT_TIMEOUT_SECONDS = 1
    before = current_timeout()

    def work(job, progress):
        assert current_timeout() == "1s"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(3)")

    job_run(repeatable_job.pk, work)
    repeatable_job.refresh_from_db()
    assert (repeatable_job.status, repeatable_job.attempts) == ("failed", 1)
    assert "ran longer than 1 seconds (JOB_STATEMENT_TIMEOUT_SECONDS) and was stopped" in repeatable_job.error
    assert current_timeout() == before
