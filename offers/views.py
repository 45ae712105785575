"""The offer bank's pages: the grid, an offer's page, the file import and export."""

import csv
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core.idempotency import sent_once
from core.lib.spreadsheet import safe_cell
from core.models import Job
from customers.services import upload_store
from offers import scoring
from offers.forms import OfferFileForm, OfferForm
from offers.imports import offer_rows
from offers.models import Offer
from offers.selectors import offer_grid_rows, offer_list
from offers.services import OfferError, offer_quick_update, offer_save, offers_import


@permission_required("offers.view_offers", raise_exception=True)
def offer_bank(request: HttpRequest) -> HttpResponse:
    rows = offer_grid_rows(today=timezone.localdate())
    context = {
        "rows": rows,
        "may_change": request.user.has_perm("offers.change_offers"),
        "file_form": OfferFileForm(),
        "count": len(rows),
    }
    return render(request, "offers/offer_bank.html", context)


@require_POST
@permission_required("offers.change_offers", raise_exception=True)
def offer_cell(request: HttpRequest, offer_id: int) -> JsonResponse:
    """One cell edited in the grid; answers with the offer's row as stored, or the reason it was refused."""
    offer = get_object_or_404(Offer, pk=offer_id)
    try:
        change = json.loads(request.body)
        offer = offer_quick_update(offer=offer, user=request.user, field=change["field"], value=change["value"])
    except (OfferError, KeyError, ValueError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    [row] = offer_grid_rows(today=timezone.localdate(), offer_id=offer.pk)
    return JsonResponse(row)


@permission_required("offers.view_offers", raise_exception=True)
@sent_once
def offer_edit(request: HttpRequest, offer_id: int | None = None) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=offer_id) if offer_id else None
    may_change = request.user.has_perm("offers.change_offers")
    if request.method == "POST" and not may_change:
        raise PermissionDenied("Marketers, managers and admins change the offer bank.")
    if offer is None and not may_change:
        raise PermissionDenied("Marketers, managers and admins add offers.")
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_save(
                offer=offer, user=request.user, stores=form.cleaned_data["stores"], **form.offer_fields()
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"{offer.code} saved.")
            return redirect("offers:bank")
    history = offer.history.select_related("history_user")[:20] if offer else []
    context = {"offer": offer, "form": form, "may_change": may_change, "history": history}
    return render(request, "offers/offer_form.html", context)


@permission_required("offers.view_offers", raise_exception=True)
def offers_csv(request: HttpRequest) -> StreamingHttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    rows = offer_rows(offer_list())
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(v) for v in row]) for row in rows), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="offer-bank-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@require_POST
@permission_required("offers.change_offers", raise_exception=True)
def offers_file(request: HttpRequest) -> HttpResponse:
    form = OfferFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file of offers to import.")
        return redirect("offers:bank")
    upload = form.cleaned_data["file"]
    data_import = offers_import(path=upload_store(upload), file_name=upload.name, user=request.user)
    context = {"data_import": data_import, "job": data_import.job, "problems": data_import.problems.all()[:500]}
    return render(
        request,
        "offers/offer_import.html",
        context,
        status=200 if data_import.job.status == Job.Status.SUCCEEDED else 400,
    )


@permission_required("offers.view_offers", raise_exception=True)
def scoring_explained(request: HttpRequest) -> HttpResponse:
    """How an offer's value to a customer is worked out, in words, with the weights the scores use."""
    context = {
        "share_weight": scoring.SHARE_WEIGHT,
        "recency_weight": scoring.RECENCY_WEIGHT,
        "recency_days": int(scoring.RECENCY_DAYS),
        "whole_range": scoring.WHOLE_RANGE_AFFINITY,
        "full_saving": scoring.FULL_APPEAL_SAVING,
        "max_probability": scoring.MAX_PROBABILITY,
        "shrink": scoring.SHRINK_GIVEN,
    }
    return render(request, "offers/scoring.html", context)
