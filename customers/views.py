import csv
import json

import plotly.graph_objects as go
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core.charts import figure_data
from core.grids import grid_context, grid_json, grid_page
from core.lib.spreadsheet import safe_cell
from core.panels import panels_render
from customers import selectors
from customers.forms import ImportForm
from customers.grids import customer_grid, customer_row
from customers.imports.presets import PRESETS
from customers.services import ErasureRefused, customer_erase, upload_store
from customers.tasks import data_import_submit


@permission_required("customers.view_customers", raise_exception=True)
def customer_list(request: HttpRequest) -> HttpResponse:
    grid = customer_grid()
    first = grid_page(grid, selectors.customers_for_grid(), QueryDict(), customer_row)
    context = {"grid": grid_context(grid, first["data"], rows_url=reverse("customers:rows"), count=first["count"])}
    return render(request, "customers/customer_list.html", context)


@permission_required("customers.view_customers", raise_exception=True)
def customer_rows(request: HttpRequest) -> HttpResponse:
    """A page of customers, filtered and sorted as the grid asks, by indexes only."""
    return grid_json(customer_grid(), selectors.customers_for_grid(), request.GET, customer_row)


@permission_required("customers.view_customers", raise_exception=True)
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for_user(request.user, customer_id)
    months = selectors.customer_monthly_purchases(customer)
    figure = go.Figure(
        go.Bar(
            x=[row["month"].strftime("%Y-%m") for row in months],
            y=[row["revenue_cents"] / 100 for row in months],
            customdata=[row["orders"] for row in months],
            hovertemplate="%{x}: %{y:,.2f} in %{customdata} orders<extra></extra>",
            marker_color="#2563eb",
        )
    )
    figure.update_layout(title="Purchases by month", yaxis_title="revenue", xaxis_type="category")
    context = {
        "customer": customer,
        "consents": [(label, customer.has_consent(channel)) for channel, label in selectors.CONSENTS.items()],
        "chart": {"id": "chart-months", "figure": figure_data(figure, height=260)},
        "categories": selectors.customer_categories(customer),
        "recent": selectors.customer_recent_purchases(customer),
        "events": selectors.customer_event_counts(customer),
        "totals": selectors.customer_purchase_totals(customer),
        # Stages, features and contacts belong to the apps above this one; they add them as panels.
        "marketing_panels": panels_render("customer.marketing", request, customer),
        "side_panels": panels_render("customer.side", request, customer),
        "may_erase": request.user.has_perm("customers.erase_customer") and not customer.erased_at,
        "may_see_address": request.user.has_perm("customers.view_addresses"),
    }
    return render(request, "customers/customer_detail.html", context)


@require_POST
@permission_required("customers.erase_customer", raise_exception=True)
def customer_erase_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for_user(request.user, customer_id)
    try:
        customer_erase(customer=customer, user=request.user, reason=request.POST.get("reason", ""))
    except ErasureRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The customer's details are erased; their purchases stay in every total.")
    return redirect("customers:detail", customer_id=customer.pk)


@permission_required("customers.view_imports", raise_exception=True)
def import_list(request: HttpRequest) -> HttpResponse:
    context = {
        "imports": selectors.imports_visible_to(request.user)[:100],
        "form": ImportForm(),
        "presets": PRESETS,
        "plausible_values": selectors.plausible_values(),
    }
    return render(request, "customers/import_list.html", context)


@require_POST
@permission_required("customers.run_imports", raise_exception=True)
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context = {
            "imports": selectors.imports_visible_to(request.user)[:100],
            "form": form,
            "presets": PRESETS,
            "plausible_values": selectors.plausible_values(),
        }
        return render(request, "customers/import_list.html", context, status=400)
    upload = form.cleaned_data["file"]
    data_import = data_import_submit(
        kind=form.cleaned_data["kind"],
        path=upload_store(upload),
        file_name=upload.name,
        owner=request.user,
        preset=form.cleaned_data["preset"],
        delimiter=form.cleaned_data["delimiter"],
        encoding=form.cleaned_data["encoding"],
        uploaded=True,
    )
    messages.info(request, f"{upload.name} is queued for import.")
    return redirect("customers:import_detail", import_id=data_import.pk)


@permission_required("customers.view_imports", raise_exception=True)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    data_import = selectors.import_for_user(request.user, import_id)
    context = {
        "data_import": data_import,
        "job": data_import.job,
        "problems": data_import.problems.all()[:200],
        "result_json": json.dumps(data_import.job.result, indent=2) if data_import.job.result else "",
    }
    return render(request, "customers/import_detail.html", context)


@permission_required("customers.view_imports", raise_exception=True)
def import_problems_csv(request: HttpRequest, import_id: int) -> StreamingHttpResponse:
    data_import = selectors.import_for_user(request.user, import_id)

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    rows = data_import.problems.values_list("row", "column", "value", "problem").iterator(chunk_size=5000)
    lines = (
        writer.writerow([safe_cell(cell) for cell in row]) for row in [("row", "column", "value", "problem"), *rows]
    )
    response = StreamingHttpResponse(lines, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{data_import.pk}-problems.csv"'
    return response
