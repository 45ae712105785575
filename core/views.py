import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core import health
from core.grids import grid_context, grid_json, grid_page
from core.job_list import job_grid, job_row
from core.models import Job
from core.selectors import grid_views_of, job_for_user, jobs_listed_for, workers_alive
from core.services import GridViewError, grid_view_delete, grid_view_save, job_enqueue
from core.tasks import database_report


def job_list(request: HttpRequest) -> HttpResponse:
    grid = job_grid()
    first = grid_page(grid, jobs_listed_for(request.user), QueryDict(), _job_row_for(request))
    context = {"grid": grid_context(grid, first["data"], rows_url=reverse("job_rows"), count=first["count"])}
    return render(request, "core/job_list.html", context)


def job_rows(request: HttpRequest) -> HttpResponse:
    """A page of the jobs the user may follow (managers and admins: everyone's), as the grid asks."""
    return grid_json(job_grid(), jobs_listed_for(request.user), request.GET, _job_row_for(request))


def _job_row_for(request: HttpRequest) -> Callable[[Job], dict[str, Any]]:
    workers_running = bool(workers_alive())
    return lambda job: job_row(job, workers_running=workers_running)


def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for_user(request.user, job_id)
    result_template = select_template([f"job_results/{job.kind}.html", "core/job_results/generic.html"])
    return render(request, "core/job_detail.html", {"job": job, "result_template": result_template})


def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's progress bar alone, polled by htmx until the job ends.

    With ?refresh=1 (the job's own page) the page reloads once the job ends, to show its result.
    """
    job = job_for_user(request.user, job_id)
    response = render(request, "core/_job_progress.html", {"job": job})
    if job.is_finished and request.GET.get("refresh"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@permission_required("core.run_database_report", raise_exception=True)
def database_report_start(request: HttpRequest) -> HttpResponse:
    job = job_enqueue(
        kind=Job.Kind.DATABASE_REPORT, title="Database health report", owner=request.user, task=database_report
    )
    messages.info(request, "The database report is queued; this page shows its progress.")
    return redirect("job_detail", job_id=job.pk)


@permission_required("core.use_app", raise_exception=True)
def grid_views(request: HttpRequest, grid: str) -> JsonResponse:
    """The user's saved views of a list (GET), or one saved under its name (POST, JSON: name and state)."""
    if request.method == "POST":
        try:
            sent = json.loads(request.body or b"{}")
            view = grid_view_save(user=request.user, grid=grid, name=sent.get("name", ""), state=sent.get("state"))
        except (ValueError, AttributeError):
            return JsonResponse({"error": "The view did not arrive as JSON."}, status=400)
        except GridViewError as error:
            return JsonResponse({"error": str(error)}, status=400)
        return JsonResponse({"id": view.pk, "name": view.name, "state": view.state})
    views = grid_views_of(request.user, grid)
    return JsonResponse({"views": [{"id": view.pk, "name": view.name, "state": view.state} for view in views]})


@require_POST
@permission_required("core.use_app", raise_exception=True)
def grid_view_remove(request: HttpRequest, grid: str, view_id: int) -> JsonResponse:
    grid_view_delete(view=get_object_or_404(grid_views_of(request.user, grid), pk=view_id))
    return JsonResponse({"deleted": view_id})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response = render(request, "404.html", status=404)
    response.own_page = True
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The reason given by the refusal, when it is meant for people, else a general one."""
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """The database, the broker and the workers, each with how long ago it last answered; 503 if any is down."""
    report = health.service_health()
    return JsonResponse(report, status=200 if report["ok"] else 503)
