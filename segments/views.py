import csv
import itertools
import json
from datetime import timedelta

import plotly.graph_objects as go
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core.charts import date_axis, figure_data
from core.grids import grid_context, grid_json, grid_page
from core.idempotency import sent_once
from core.lib.quarters import quarter_of
from core.lib.spreadsheet import safe_cell
from core.models import Job
from core.panels import panels_render
from segments import selectors
from segments.forms import (
    BudgetForm,
    DecisionForm,
    ObjectiveForm,
    PeriodsForm,
    PortfolioForm,
    RulesOnlyForm,
    SegmentForm,
    StageForm,
    StagingForm,
)
from segments.grids import segment_grid, segment_row
from segments.models import BudgetRequest, Portfolio
from segments.portfolios import (
    PortfolioError,
    budget_change,
    budget_request_decide,
    objective_delete,
    objective_save,
    portfolio_save,
)
from segments.ruletree.fields import FIELDS, OP_LABELS
from segments.ruletree.validation import RuleError
from segments.services import (
    VALUE_HORIZON_DAYS,
    segment_count,
    segment_save,
    stage_update,
)
from segments.tasks import refresh_enqueue
from segments.value import Horizon

DEFAULT_RULES = {"all": []}


def _builder_config() -> dict:
    from customers.models import ConsentChannel
    from customers.selectors import categories, regions, stores, topics

    return {
        "fields": [
            {"name": f.name, "label": f.label, "kind": f.kind, "group": f.group, "ops": list(f.ops)}
            for f in FIELDS.values()
        ],
        "opLabels": OP_LABELS,
        "choices": {
            "region": regions(),
            "home_store": [(store.code, f"{store.name} ({store.code})") for store in stores()],
            "last_channel": [("store", "In store"), ("online", "Online")],
            "stage": [(stage.code, stage.name) for stage in selectors.stages()],
            "topics": topics(),
        },
        # Values as the rules keep them, each with the words the builder shows.
        "channels": ConsentChannel.choices,
        "categories": [(category.code, category.name) for category in categories()],
        "segments": [{"id": s.pk, "name": s.name} for s in selectors.segments_list()],
    }


@permission_required("segments.view_segments", raise_exception=True)
def segment_list(request: HttpRequest) -> HttpResponse:
    grid = segment_grid()
    first = grid_page(grid, selectors.segments_for_grid(), QueryDict(), lambda row: segment_row(row, request.user))
    context = {
        "grid": grid_context(grid, first["data"], rows_url=reverse("segments:rows"), count=first["count"]),
        "features_run": selectors.current_features_run(),
        "stages": selectors.stages(),
    }
    return render(request, "segments/segment_list.html", context)


@permission_required("segments.view_segments", raise_exception=True)
def segment_rows(request: HttpRequest) -> HttpResponse:
    """A page of the segment list, sorted and filtered as the grid asks."""
    return grid_json(
        segment_grid(), selectors.segments_for_grid(), request.GET, lambda row: segment_row(row, request.user)
    )


@permission_required("segments.view_segments", raise_exception=True)
@sent_once
def segment_edit(request: HttpRequest, segment_id: int | None = None) -> HttpResponse:
    segment = selectors.segment_get(segment_id) if segment_id else None
    may_change = (
        request.user.has_perm("segments.change_segment", segment)
        if segment
        else request.user.has_perm("segments.add_segment")
    )
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only the segment's owner or a manager changes it.")
        form = SegmentForm(request.POST, instance=segment)
        if form.is_valid():
            try:
                saved = segment_save(
                    segment=segment,
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    rules=form.cleaned_data["rules"],
                )
            except RuleError as error:
                form.add_error("rules", str(error))
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, f"Segment saved: {saved.size:,} customers.")
                return redirect("segments:edit", segment_id=saved.pk)
    else:
        form = SegmentForm(instance=segment, initial={"rules": json.dumps(segment.rules if segment else DEFAULT_RULES)})
    rules = segment.rules if segment else DEFAULT_RULES
    sizes = list(segment.sizes.order_by("measured_at").values_list("measured_at", "size")) if segment else []
    figure = go.Figure(go.Scatter(x=[at for at, _ in sizes], y=[size for _, size in sizes], mode="lines+markers"))
    figure.update_layout(title="Size over time", yaxis_title="customers")
    date_axis(figure, [timezone.localtime(at).date() for at, _ in sizes])
    figure.update_yaxes(rangemode="tozero", tickformat=",d")
    context = {
        "segment": segment,
        "form": form,
        "may_change": may_change,
        "rules_json": form.data.get("rules") if form.is_bound else json.dumps(rules),
        "config": _builder_config(),
        "sample": selectors.segment_sample(rules, segment_id=segment.pk if segment else None) if segment else [],
        "size_chart": {"id": "chart-size", "figure": figure_data(figure, height=220)},
        "history": selectors.segment_changes(segment) if segment else [],
    }
    return render(request, "segments/segment_edit.html", context)


@require_POST
@permission_required("segments.view_segments", raise_exception=True)
def segment_preview(request: HttpRequest) -> HttpResponse:
    """The live count (and a few members) of rules being edited, for the builder's htmx requests."""
    form = RulesOnlyForm(request.POST)
    if not form.is_valid():
        return render(request, "segments/_preview.html", {"error": form.errors["rules"][0]})
    segment_id = request.POST.get("segment_id")
    segment_id = int(segment_id) if segment_id and segment_id.isdigit() else None
    rules = form.cleaned_data["rules"]
    try:
        count = segment_count(rules, segment_id=segment_id)
        sample = selectors.segment_sample(rules, segment_id=segment_id, limit=10)
    except RuleError as error:
        return render(request, "segments/_preview.html", {"error": str(error)})
    return render(request, "segments/_preview.html", {"count": count, "sample": sample})


@permission_required("segments.view_segments", raise_exception=True)
def lifecycle(request: HttpRequest) -> HttpResponse:
    periods = selectors.staging_periods()
    sizes = selectors.stage_sizes_now()
    form = PeriodsForm(request.GET or None)
    start, end = (periods[-2], periods[-1]) if len(periods) >= 2 else (None, None)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    context = {
        "stages": [(stage, sizes.get(stage.pk, 0)) for stage in selectors.stages()],
        "periods": periods,
        "start": start,
        "end": end,
        "features_run": selectors.current_features_run(),
        "fit": selectors.latest_value_fit(),
        "charts": [],
    }
    counts = selectors.stage_counts_over_time()
    if not counts.empty:
        figure = go.Figure()
        for stage in selectors.stages():
            if stage.code in counts:
                figure.add_scatter(
                    x=[str(p) for p in counts.index],
                    y=counts[stage.code],
                    name=stage.name,
                    stackgroup="stages",
                    line_color=stage.colour,
                )
        figure.update_layout(title="Customers per stage", yaxis_title="customers")
        date_axis(figure, list(counts.index))
        context["charts"].append({"id": "chart-stages", "figure": figure_data(figure, height=300)})
    if start and end and start in periods and end in periods:
        matrix = selectors.migration_matrix(start, end)
        context["matrix"] = matrix
        context["charts"].append({"id": "chart-sankey", "figure": sankey(matrix, f"From {start} to {end}")})
    return render(request, "segments/lifecycle.html", context)


def sankey(matrix, title: str) -> dict:
    sources = list(matrix.index)
    targets = list(matrix.columns)
    colours = {stage.name: stage.colour for stage in selectors.stages()}
    labels = [f"{name} " for name in sources] + targets
    links = [
        (i, len(sources) + j, int(matrix.iloc[i, j]))
        for i in range(len(sources))
        for j in range(len(targets))
        if matrix.iloc[i, j] > 0
    ]
    node_colours = [colours.get(label.strip(), "#9ca3af") for label in labels]
    figure = go.Figure(
        go.Sankey(
            node={"label": labels, "color": node_colours, "pad": 12},
            link={
                "source": [s for s, _, _ in links],
                "target": [t for _, t, _ in links],
                "value": [v for _, _, v in links],
                # The house template would draw links white on white: colour each by where it goes.
                "color": [_translucent(node_colours[t]) for _, t, _ in links],
            },
        )
    )
    figure.update_layout(title=title)
    return figure_data(figure, height=420)


def _translucent(hex_colour: str, opacity: float = 0.35) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {opacity})"


@permission_required("segments.change_stages", raise_exception=True)
def stage_edit(request: HttpRequest, stage_id: int) -> HttpResponse:
    stage = selectors.stage_get(stage_id)
    form = StageForm(
        request.POST or None,
        instance=stage,
        initial={"rules": json.dumps(stage.rules)} if request.method != "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        stage_update(stage=stage, **form.cleaned_data)
        messages.success(request, f"Stage {stage.name} saved. Stages change when features are next refreshed.")
        return redirect("segments:lifecycle")
    context = {"stage": stage, "form": form, "history": selectors.stage_changes(stage)}
    return render(request, "segments/stage_edit.html", context)


@require_POST
@permission_required("segments.run_refresh", raise_exception=True)
def refresh_start(request: HttpRequest, kind: str) -> HttpResponse:
    last_whole_day = timezone.localdate() - timedelta(days=1)
    if kind == Job.Kind.FEATURES:
        job = refresh_enqueue(kind=kind, owner=request.user, as_of=str(last_whole_day), window_days=365)
    elif kind == Job.Kind.STAGING:
        form = StagingForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Staging was not started: " + " ".join(form.errors["period_end"]))
            return redirect("segments:lifecycle")
        period = form.cleaned_data["period_end"] or last_whole_day
        job = refresh_enqueue(kind=kind, owner=request.user, period_end=str(period))
    elif kind == Job.Kind.CUSTOMER_VALUE:  # fitted on the published features, and dated with them
        job = refresh_enqueue(kind=kind, owner=request.user)
    else:
        raise PermissionDenied("Unknown job.")
    return redirect("job_detail", job_id=job.pk)


@permission_required("segments.view_segments", raise_exception=True)
def value_model(request: HttpRequest) -> HttpResponse:
    fit = selectors.latest_value_fit()
    chart = None
    if fit:
        rows = fit.calibration.get("by_repeats", [])
        figure = go.Figure()
        figure.add_bar(x=[row["repeats"] for row in rows], y=[row["actual"] for row in rows], name="Actual")
        figure.add_scatter(
            x=[row["repeats"] for row in rows],
            y=[row["predicted"] for row in rows],
            name="Predicted",
            mode="lines+markers",
        )
        figure.update_layout(
            title=f"Repeat orders in the {fit.calibration.get('weeks')} weeks after "
            f"{fit.calibration.get('cutoff')}, by repeat orders before",
            xaxis_title="repeat orders before the cutoff (7 = seven or more)",
            yaxis_title="orders per customer",
        )
        chart = {"id": "chart-calibration", "figure": figure_data(figure, height=320)}
    horizon = Horizon(fit.horizon_days) if fit else None
    return render(request, "segments/value_model.html", {"fit": fit, "chart": chart, "horizon": horizon})


@permission_required("customers.view_customers", raise_exception=True)
def value_export(request: HttpRequest) -> HttpResponse:
    """Every customer's features and value over a horizon (?horizon=26w or 90d; default the fit's), streamed."""
    fit, run = selectors.latest_value_fit(), selectors.current_features_run()
    try:
        horizon = Horizon.parse(request.GET.get("horizon") or f"{fit.horizon_days if fit else VALUE_HORIZON_DAYS}d")
    except ValueError as error:
        return HttpResponseBadRequest(str(error))

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    rows = selectors.value_export_rows(horizon=horizon)
    lines = (
        writer.writerow([safe_cell(cell) for cell in row])
        for row in itertools.chain([selectors.value_export_header(horizon)], rows)
    )
    response = StreamingHttpResponse(lines, content_type="text/csv")
    as_of = f"-as-of-{run.as_of}" if run else ""
    response["Content-Disposition"] = f'attachment; filename="customer-value{as_of}-next-{horizon.days}-days.csv"'
    return response


@permission_required("segments.view_portfolios", raise_exception=True)
def portfolio_detail(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = selectors.portfolio_get(portfolio_id)
    may_change = request.user.has_perm("segments.change_portfolio", portfolio)
    year, quarter = quarter_of(timezone.localdate())
    counts = selectors.stage_counts_over_time()
    charts = []
    if not counts.empty and portfolio.stage.code in counts:
        figure = go.Figure(
            go.Scatter(
                x=[str(p) for p in counts.index],
                y=counts[portfolio.stage.code],
                mode="lines+markers",
                line_color=portfolio.stage.colour,
            )
        )
        figure.update_layout(title=f"Customers in {portfolio.stage.name}", yaxis_title="customers")
        date_axis(figure, list(counts.index))
        charts.append({"id": "chart-stage-size", "figure": figure_data(figure, height=240)})
    periods = selectors.staging_periods()
    if len(periods) >= 2:
        flows = selectors.migration_around(portfolio.stage, periods[-2], periods[-1])
        title = f"In and out of {portfolio.stage.name}, {periods[-2]} to {periods[-1]}"
        charts.append({"id": "chart-migration", "figure": sankey(flows, title)})
    budget = selectors.portfolio_budget(portfolio, year, quarter)
    context = {
        "portfolio": portfolio,
        "may_change": may_change,
        "may_manage": request.user.has_perm("segments.manage_portfolios"),
        "may_decide": request.user.has_perm("segments.approve_budgets"),
        "size_now": selectors.stage_size_now(portfolio.stage),
        # The campaigns that spend the budget, and what they measured, are reporting's: it adds them as panels.
        "main_panels": panels_render("portfolio.main", request, portfolio),
        "side_panels": panels_render("portfolio.side", request, portfolio),
        "objectives": selectors.portfolio_objectives(portfolio),
        "charts": charts,
        "requests": selectors.budget_requests(portfolio=portfolio)[:10],
        "history": selectors.portfolio_history(portfolio),
        "budget_form": BudgetForm(
            initial={
                "year": year,
                "quarter": quarter,
                "amount": f"{budget.amount_cents / 100:.2f}" if budget else None,
                "version": budget.version if budget else 0,
            }
        ),
        "objective_form": ObjectiveForm(initial={"year": year, "quarter": quarter}),
        "current_quarter": (year, quarter),
        "asks": may_change and not request.user.has_perm("segments.manage_portfolios"),
    }
    return render(request, "segments/portfolio_detail.html", context)


@permission_required("segments.manage_portfolios", raise_exception=True)
@sent_once
def portfolio_edit(request: HttpRequest, portfolio_id: int | None = None) -> HttpResponse:
    portfolio = selectors.portfolio_get(portfolio_id) if portfolio_id else None
    form = PortfolioForm(request.POST or None, instance=portfolio)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = portfolio_save(
                user=request.user,
                why=data["why"],
                portfolio=portfolio,
                stage=data["stage"],
                name=data["name"],
                owner=data["owner"],
                description=data["description"],
                team=list(data["team"]),
                cadence_min=data["cadence_min"],
                cadence_max=data["cadence_max"],
            )
        except PortfolioError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{saved} saved.")
            return redirect("segments:portfolio", portfolio_id=saved.pk)
    return render(request, "segments/portfolio_form.html", {"form": form, "portfolio": portfolio})


def _portfolio_for_change(request: HttpRequest, portfolio_id: int) -> Portfolio:
    portfolio = selectors.portfolio_get(portfolio_id)
    if not request.user.has_perm("segments.change_portfolio", portfolio):
        raise PermissionDenied("Only the portfolio's owner or a manager changes it.")
    return portfolio


def _problems(form: BudgetForm | ObjectiveForm) -> str:
    return "; ".join(error for errors in form.errors.values() for error in errors)


@require_POST
@permission_required("segments.view_portfolios", raise_exception=True)
def portfolio_budget(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    """A manager sets the budget; the owner asks for a change that a manager decides."""
    portfolio = _portfolio_for_change(request, portfolio_id)
    form = BudgetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The budget was not changed: " + _problems(form))
        return redirect("segments:portfolio", portfolio_id=portfolio.pk)
    data = form.cleaned_data
    try:
        outcome = budget_change(
            portfolio=portfolio,
            year=data["year"],
            quarter=data["quarter"],
            amount_cents=int(data["amount"] * 100),
            user=request.user,
            why=data["why"],
            expected_version=data["version"],
        )
    except PortfolioError as error:
        messages.error(request, str(error))
    else:
        if isinstance(outcome, BudgetRequest):
            messages.success(request, f"Asked for {outcome.amount_cents / 100:,.2f}: a manager decides.")
        else:
            messages.success(request, f"Budget of {outcome.year} Q{outcome.quarter} set.")
    return redirect("segments:portfolio", portfolio_id=portfolio.pk)


@require_POST
@permission_required("segments.approve_budgets", raise_exception=True)
def budget_request_decide_view(request: HttpRequest, request_id: int) -> HttpResponse:
    budget_request = selectors.budget_request_get(request_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to approve or reject.")
    else:
        try:
            decided = budget_request_decide(
                request=budget_request,
                user=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except PortfolioError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"{decided.portfolio} {decided.quarter_label}: {decided.get_status_display().lower()}."
            )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("segments:portfolio", args=[budget_request.portfolio_id])
    return redirect(back)


@require_POST
@permission_required("segments.view_portfolios", raise_exception=True)
def portfolio_objective(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _portfolio_for_change(request, portfolio_id)
    form = ObjectiveForm(request.POST)
    if form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "why"}
        try:
            objective_save(portfolio=portfolio, user=request.user, why=form.cleaned_data["why"], **fields)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except PortfolioError as error:
            form.add_error(None, str(error))
    if form.errors:
        messages.error(request, "The objective was not added: " + _problems(form))
    else:
        messages.success(request, "Objective added.")
    return redirect("segments:portfolio", portfolio_id=portfolio.pk)


@require_POST
@permission_required("segments.view_portfolios", raise_exception=True)
def portfolio_objective_delete(request: HttpRequest, portfolio_id: int, objective_id: int) -> HttpResponse:
    portfolio = _portfolio_for_change(request, portfolio_id)
    objective = get_object_or_404(portfolio.objectives, pk=objective_id)
    try:
        objective_delete(objective=objective, user=request.user, why=request.POST.get("why", ""))
    except PortfolioError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Objective removed.")
    return redirect("segments:portfolio", portfolio_id=portfolio.pk)
