"""The results pages (every campaign's latest results, one campaign's in full, the export) and the sample-size
planner that the treatment form asks while a marketer sets the holdout."""

import csv

import plotly.graph_objects as go
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect
from rules.contrib.views import permission_required

from campaigns import selectors
from campaigns.services.workflow import CampaignError
from core.charts import figure_data
from core.grids import grid_context
from core.lib.spreadsheet import safe_cell
from reporting.experiments import sample_size
from reporting.forms import ResponseDefinitionForm
from reporting.grids import result_row, results_grid
from reporting.measurement import measurement_update
from reporting.models import CampaignResult
from reporting.payload import methods_statement
from reporting.selectors import (
    latest_result,
    measured_campaigns,
    response_definition_editable,
    response_definitions,
    response_window,
    results_job_pending,
    results_may_compute,
)
from reporting.tasks import results_enqueue


@permission_required("campaigns.view_campaigns", raise_exception=True)
def results_list(request: HttpRequest) -> HttpResponse:
    measured = measured_campaigns()
    rows = [result_row(campaign, totals) for campaign, totals in measured]
    grid = results_grid([campaign for campaign, _totals in measured])
    return render(request, "reporting/results_list.html", {"grid": grid_context(grid, rows, count=len(rows))})


def _charts(result: CampaignResult) -> list[dict]:
    totals, treatments = result.payload["totals"], result.payload["treatments"]
    revenue = totals["incremental_revenue_cents"] / 100
    margin = totals["incremental_margin_cents"] / 100
    contact, offer = totals["contact_cost_cents"] / 100, totals["offer_cost_cents"] / 100
    amounts = (revenue, margin - revenue, margin, -contact, -offer, margin - contact - offer)
    decimals = 0 if max(abs(amount) for amount in amounts) >= 10_000 else 2  # cents matter on small campaigns
    waterfall = go.Figure(
        go.Waterfall(
            x=["Incremental revenue", "Cost of goods", "Incremental margin", "Contact cost", "Offer cost", "Net P&L"],
            measure=["absolute", "relative", "total", "relative", "relative", "total"],
            y=[revenue, margin - revenue, 0, -contact, -offer, 0],
            textposition="outside",
            text=[f"{round(value, decimals) + 0.0:,.{decimals}f}" for value in amounts],  # + 0.0: no "-0"
            decreasing={"marker": {"color": "#dc2626"}},
            increasing={"marker": {"color": "#16a34a"}},
            totals={"marker": {"color": "#2563eb"}},
        )
    )
    waterfall.update_layout(title="Incremental P&L", showlegend=False)
    lift = go.Figure()
    rates = [row["response_rate"] for row in treatments]
    lift.add_bar(
        x=[row["code"] for row in treatments],
        y=[(rate["difference"] or 0) * 100 for rate in rates],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [((rate["high"] or 0) - (rate["difference"] or 0)) * 100 for rate in rates],
            "arrayminus": [((rate["difference"] or 0) - (rate["low"] or 0)) * 100 for rate in rates],
        },
        marker_color="#2563eb",
    )
    lift.update_layout(
        title="Incremental response rate by treatment, with 95% confidence interval", yaxis_title="percentage points"
    )
    curves = go.Figure()
    lines = [
        (f"{row['code']} {cell}", row["cumulative"].get(cell, []), dash)
        for row in treatments
        for cell, dash in (("treatment", "solid"), ("control", "dot"))
    ]
    controls = [values for name, values, dash in lines if dash == "dot"]
    if len(controls) > 1 and all(values == controls[0] for values in controls):
        # One control group measured one way for every treatment: one line for it.
        lines = [line for line in lines if line[2] == "solid"] + [("Shared control", controls[0], "dot")]
    for name, values, dash in lines:
        curves.add_scatter(
            x=list(range(len(values))), y=[value * 100 for value in values], name=name, line={"dash": dash}
        )
    curves.update_layout(
        title="Cumulative response by day since contact", xaxis_title="days since contact", yaxis_title="responded (%)"
    )
    return [
        {"id": "chart-pnl", "figure": figure_data(waterfall, height=320)},
        {"id": "chart-lift", "figure": figure_data(lift, height=300)},
        {"id": "chart-cumulative", "figure": figure_data(curves, height=300)},
    ]


@permission_required("campaigns.view_campaigns", raise_exception=True)
def campaign_results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(campaign_id)
    result = latest_result(campaign)
    context = {
        "campaign": campaign,
        "result": result,
        "charts": _charts(result) if result else [],
        "may_compute": results_may_compute(request.user, campaign),
        "job": results_job_pending(campaign, request.user),
        "window": response_window(campaign, computed_at=result.computed_at) if result else None,
        "methods": methods_statement(result.payload) if result else [],
        "shared_control": bool(result) and result.payload.get("methods", {}).get("control") == "shared",
        "definitions": response_definitions(campaign),
        "may_measure": response_definition_editable(request.user, campaign),
    }
    return render(request, "reporting/campaign_results.html", context)


@require_POST
@permission_required("campaigns.view_campaigns", raise_exception=True)
def results_start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(campaign_id)
    if not results_may_compute(request.user, campaign):
        return HttpResponse("Only the campaign's owner or a manager recomputes its results.", status=403)
    results_enqueue(campaign=campaign, owner=request.user)
    return redirect("campaigns:results", campaign_id=campaign.pk)


@permission_required("campaigns.view_campaigns", raise_exception=True)
def response_definition_edit(request: HttpRequest, campaign_id: int, treatment_id: int) -> HttpResponse:
    """The form that changes what counts as a response to a treatment; saving it queues a results run."""
    campaign = selectors.campaign_get(campaign_id)
    treatment = get_object_or_404(campaign.treatments, pk=treatment_id)
    if not results_may_compute(request.user, campaign):
        return HttpResponse("Only the campaign's owner or a manager changes how its results are counted.", status=403)
    form = ResponseDefinitionForm(request.POST or None, treatment=treatment)
    if request.method == "POST" and form.is_valid():
        try:
            measurement_update(treatment=treatment, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except CampaignError as error:
            form.add_error(None, str(error))
        else:
            results = reverse("campaigns:results", kwargs={"campaign_id": campaign.pk})
            return HttpResponseClientRedirect(results) if request.htmx else redirect(results)
    template = "reporting/_response_definition_form.html" if request.htmx else "reporting/response_definition.html"
    return render(request, template, {"campaign": campaign, "treatment": treatment, "form": form})


RESULT_COLUMNS = [
    "cell",
    "members",
    "responders",
    "response_rate",
    "orders_per_member",
    "events_per_member",
    "revenue_cents_per_member",
    "margin_cents_per_member",
    "redemptions",
]


# Each metric's difference (treatment less control), its 95% interval and p-value, beside the cells' figures.
DIFFERENCE_COLUMNS = [
    ("response_rate", "incremental_response_rate", "rate"),
    ("orders_per_member", "incremental_orders_per_member", "orders"),
    ("events_per_member", "incremental_events_per_member", "events"),
    ("revenue_per_member", "incremental_revenue_per_member_cents", "revenue"),
    ("margin_per_member", "incremental_margin_per_member_cents", "margin"),
]


def result_rows(result: CampaignResult) -> list[list]:
    """The results as a table: one line per treatment and cell, then per stage and cell."""
    header = ["breakdown", "treatment", "group", *RESULT_COLUMNS]
    for _, name, short in DIFFERENCE_COLUMNS:
        header += [name, f"{short}_ci_low", f"{short}_ci_high", f"{short}_p_value", f"{short}_p_holm"]
    rows = [header]
    unmeasured = {"difference": None, "low": None, "high": None, "p_value": None}  # results stored before a metric

    def lines(breakdown: str, treatment: str, group: str, comparison: dict) -> None:
        for cell in ("treatment", "control"):
            values = comparison[cell]
            line = [breakdown, treatment, group, cell, *(values.get(column) for column in RESULT_COLUMNS[1:])]
            for key, _, _ in DIFFERENCE_COLUMNS:
                difference = comparison.get(key, unmeasured)
                line += [
                    difference["difference"],
                    difference["low"],
                    difference["high"],
                    difference["p_value"],
                    difference.get("p_adjusted"),
                ]
            rows.append(line)

    for row in result.payload["treatments"]:
        lines("treatment", row["code"], row["segment"], row)
    for row in result.payload["by_stage"]:
        lines("stage", row["code"], row["stage"], row)
    for row in result.payload["by_segment"]:
        lines("segment", "", row["segment"], row)
    for row in result.payload.get("by_offer", []):
        margin = row["margin_per_member"]
        line = ["offer", row["treatment"], row["code"], "treatment", row["given"], row["redeemed"]]
        line += [row["redemption_rate"], *[None] * (len(RESULT_COLUMNS) - 4)]
        blank = [None] * 5
        for key, _, _ in DIFFERENCE_COLUMNS:
            line += (
                [margin["difference"], margin["low"], margin["high"], margin["p_value"], margin.get("p_adjusted")]
                if key == "margin_per_member"
                else blank
            )
        rows.append(line)
    return rows


@permission_required("campaigns.view_campaigns", raise_exception=True)
def results_csv(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    campaign = selectors.campaign_get(campaign_id)
    result = latest_result(campaign)
    if result is None:
        return HttpResponse("No results yet.", status=404)

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(v) for v in row]) for row in result_rows(result)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-results-v{result.version}.csv"'
    return response


@permission_required("campaigns.view_campaigns", raise_exception=True)
def sample_size_view(request: HttpRequest) -> HttpResponse:
    try:
        control, audience = sample_size(
            base_rate=float(request.GET.get("base", 0)) / 100,
            lift=float(request.GET.get("lift", 0)) / 100,
            holdout_share=float(request.GET.get("holdout", 0)) / 100,
            power=float(request.GET.get("power", 80)) / 100,
        )
    except ValueError as error:
        return render(request, "reporting/_sample_size.html", {"error": str(error)})
    return render(request, "reporting/_sample_size.html", {"control": control, "audience": audience})
