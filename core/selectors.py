from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.models import GridView, Job, Worker
from core.roles import sees_every_job


def jobs_visible_to(user: AbstractBaseUser) -> QuerySet[Job]:
    jobs = Job.objects.select_related("owner")
    return jobs if sees_every_job(user) else jobs.filter(owner=user)


def job_for_user(user: AbstractBaseUser, job_id: int) -> Job:
    """The job, if the user may see it; 404 otherwise so that ids of others' jobs reveal nothing."""
    return get_object_or_404(jobs_visible_to(user), pk=job_id)


def job_counts_by_day(user: AbstractBaseUser, *, days: int = 30) -> list[dict]:
    since = timezone.now() - timezone.timedelta(days=days)
    return list(
        jobs_visible_to(user)
        .filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(jobs=Count("id"))
        .order_by("day", "status")
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
