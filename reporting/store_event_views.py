"""Store-event pages: a store that closes, shuts for works or meets a competitor, doing nothing against a
retention campaign, and what its customers did after. Every rule is in `reporting.store_event_services`, every
figure in `reporting.store_events`; these pages only call them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core.forms import form_problems
from reporting.forms import StoreEventForm
from reporting.models import StoreEvent
from reporting.store_event_services import StoreEventError, store_event_save
from reporting.store_events import after_event, what_if


def _manager(request: HttpRequest) -> None:
    if not request.user.has_perm("reporting.manage_scenarios"):
        raise PermissionDenied("Only a manager records or changes store events.")


@permission_required("reporting.view_scenarios", raise_exception=True)
def store_event_list(request: HttpRequest) -> HttpResponse:
    events = list(StoreEvent.objects.select_related("store", "campaign", "created_by"))
    may_manage = request.user.has_perm("reporting.manage_scenarios")
    context = {"events": events, "may_manage": may_manage, "form": StoreEventForm() if may_manage else None}
    return render(request, "reporting/store_event_list.html", context)


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def store_event_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = StoreEventForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("reporting:store_events")
    try:
        event = store_event_save(user=request.user, **form.fields_for_save())
    except StoreEventError as error:
        messages.error(request, str(error))
        return redirect("reporting:store_events")
    return redirect("reporting:store_event", event.pk)


@permission_required("reporting.view_scenarios", raise_exception=True)
def store_event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(StoreEvent.objects.select_related("store", "campaign", "created_by"), pk=event_id)
    today = timezone.localdate()
    may_manage = request.user.has_perm("reporting.manage_scenarios")
    context = {
        "event": event,
        "what_if": what_if(event, today),
        "after": after_event(event, today),
        "may_manage": may_manage,
        "form": StoreEventForm(event=event) if may_manage else None,
    }
    return render(request, "reporting/store_event_detail.html", context)


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def store_event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    _manager(request)
    event = get_object_or_404(StoreEvent, pk=event_id)
    form = StoreEventForm(request.POST, event=event)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("reporting:store_event", event.pk)
    try:
        store_event_save(user=request.user, event=event, **form.fields_for_save())
    except StoreEventError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Store event changed: every figure below is worked out again.")
    return redirect("reporting:store_event", event.pk)
