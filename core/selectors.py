from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.models import GridView, Job, Worker
from core.roles import sees_every_job


def jobs_visible_to(user: AbstractBaseUser) -> QuerySet[Job]:
    jobs = Job.objects.select_related("owner")
    return jobs if sees_every_job(user) else jobs.filter(owner=user)


# What the jobs list shows of a job: a job's parameters and result (an audience build's counts, an import's
# problems) can be kilobytes of JSON, decoded fifty times a page for nothing.
JOB_LIST_FIELDS = ("kind", "title", "owner", "status", "progress", "message", "created_at", "started_at")
JOB_LIST_FIELDS += ("finished_at", "heartbeat_at", "attempts", "max_attempts")


def jobs_listed_for(user: AbstractBaseUser) -> QuerySet[Job]:
    """The jobs the user may see, with what the jobs list shows of them."""
    people = [f"owner__{field}" for field in ("username", "first_name", "last_name")]
    return jobs_visible_to(user).only(*JOB_LIST_FIELDS, *people)


def job_for_user(user: AbstractBaseUser, job_id: int) -> Job:
    """The job, if the user may see it; 404 otherwise so that ids of others' jobs reveal nothing."""
    return get_object_or_404(jobs_visible_to(user), pk=job_id)


@dataclass(frozen=True)
class RecentJob:
    pk: int
    title: str
    status: str
    created_at: datetime

    def get_status_display(self) -> str:
        return Job.Status(self.status).label


@dataclass(frozen=True)
class JobSummary:
    succeeded: int
    failed: int
    by_day: list[dict]  # day, status and jobs, over the last days asked for
    recent: list[RecentJob]


_VISIBLE = "(%(everyone)s OR owner_id = %(user)s)"
# Every job the user may see counted by status, and the last days' counted by day and status, in one statement.
JOB_COUNTS_SQL = f"""
    SELECT NULL::date, status, count(*) FROM {Job._meta.db_table} WHERE {_VISIBLE} GROUP BY status
    UNION ALL
    SELECT (created_at AT TIME ZONE %(zone)s)::date, status, count(*) FROM {Job._meta.db_table}
    WHERE {_VISIBLE} AND created_at >= %(since)s GROUP BY 1, 2
    ORDER BY 1, 2
"""
RECENT_JOBS_SQL = f"""
    SELECT id, title, status, created_at FROM {Job._meta.db_table} WHERE {_VISIBLE}
    ORDER BY created_at DESC, id DESC LIMIT %(recent)s
"""


def job_summary(user: AbstractBaseUser, *, days: int = 30, recent: int = 8) -> JobSummary:
    """What the home page says of the jobs the user may see: how many succeeded and failed, the last `days` days'
    by status, and the newest `recent`. Two hand-written statements: as three ORM queries they cost the page more
    CPU than everything else it reads, the recent jobs' parameters and results decoded for nothing."""
    params = {
        "everyone": sees_every_job(user),
        "user": user.pk,
        "zone": timezone.get_current_timezone_name(),
        "since": timezone.now() - timezone.timedelta(days=days),
        "recent": recent,
    }
    totals: dict[str, int] = {}
    by_day = []
    with connection.cursor() as cursor:
        cursor.execute(JOB_COUNTS_SQL, params)
        for day, status, jobs in cursor.fetchall():
            if day is None:
                totals[status] = jobs
            else:
                by_day.append({"day": day, "status": status, "jobs": jobs})
        cursor.execute(RECENT_JOBS_SQL, params)
        newest = [RecentJob(*row) for row in cursor.fetchall()]
    return JobSummary(
        succeeded=totals.get(Job.Status.SUCCEEDED, 0),
        failed=totals.get(Job.Status.FAILED, 0),
        by_day=by_day,
        recent=newest,
    )


def workers_alive() -> list[Worker]:
    """The workers whose main process reported itself within WORKER_DEAD_SECONDS."""
    since = timezone.now() - timezone.timedelta(seconds=settings.WORKER_DEAD_SECONDS)
    return list(Worker.objects.filter(seen_at__gte=since).order_by("hostname"))


JOBS_VERSION_SQL = f"""
    SELECT COUNT(*), MAX(finished_at) FROM "{Job._meta.db_table}" WHERE kind = ANY(%s) AND status = %s
"""


def jobs_version(*kinds: str) -> str:
    """The version of the data that jobs of these kinds write: it changes whenever one of them succeeds.

    A job's work commits before the job is marked succeeded, so a page that reads this version before its data
    can only keep newer data under an older version (made again at the next version), never older data under a
    newer one. The count catches a job finished on a host whose clock is behind. Pages read it several times
    each, so it is one hand-written statement.
    """
    with connection.cursor() as cursor:
        cursor.execute(JOBS_VERSION_SQL, [list(kinds), Job.Status.SUCCEEDED])
        jobs, last = cursor.fetchone()
    return f"{jobs}@{last.isoformat() if last else 'never'}"


def grid_views_of(user: AbstractBaseUser, grid: str) -> QuerySet[GridView]:
    """The user's own saved views of a list: nobody sees another's."""
    return GridView.objects.filter(user=user, grid=grid)
