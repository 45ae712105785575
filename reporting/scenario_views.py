"""Scenario pages: versions of a quarter's plan, what each is forecast to return, side by side, and the
programme's measured totals. Every rule is in `reporting.scenario_services`; these pages only call it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core.forms import form_problems
from core.lib.quarters import quarter_bounds, quarter_of
from customers.models import Channel
from reporting import scenario_services as services
from reporting.forms import (
    AddCampaignForm,
    AssumptionsForm,
    CampaignDatesForm,
    PortfolioChangeForm,
    ScenarioForm,
    TreatmentInputsForm,
)
from reporting.models import Scenario, ScenarioTreatment
from reporting.programme import against_global_control, programme
from reporting.scenario_charts import comparison_chart, pressure_chart, reach_chart
from reporting.scenarios import comparison, outlook, plan_version, quarter_facts, scenario_version

MOST_COMPARED = 3


def _manager(request: HttpRequest) -> None:
    if not request.user.has_perm("reporting.manage_scenarios"):
        raise PermissionDenied("Only a manager makes, changes or promotes scenarios.")


@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_list(request: HttpRequest) -> HttpResponse:
    scenarios = list(Scenario.objects.select_related("created_by", "promoted_by", "copied_from"))
    year, quarter = quarter_of(timezone.localdate())
    following = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    form = ScenarioForm(scenarios=scenarios, initial={"year": following[0], "quarter": following[1]})
    context = {"scenarios": scenarios, "form": form, "may_manage": request.user.has_perm("reporting.manage_scenarios")}
    return render(request, "reporting/scenario_list.html", context)


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    scenarios = list(Scenario.objects.all())
    form = ScenarioForm(request.POST, scenarios=scenarios)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("reporting:scenarios")
    source = form.cleaned_data["source"]
    try:
        scenario = services.scenario_create(
            user=request.user,
            name=form.cleaned_data["name"],
            year=form.cleaned_data["year"],
            quarter=form.cleaned_data["quarter"],
            copy_of=None if source == "plan" else get_object_or_404(Scenario, pk=int(source)),
            description=form.cleaned_data["description"],
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
        return redirect("reporting:scenarios")
    return redirect("reporting:scenario", scenario.pk)


@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario.objects.select_related("created_by", "promoted_by"), pk=scenario_id)
    version = scenario_version(scenario)
    facts = quarter_facts(scenario.year, scenario.quarter)
    result = outlook(version, facts)
    forecasts = {row.key: row for row in result.campaigns}
    may_manage = request.user.has_perm("reporting.manage_scenarios") and not scenario.promoted_at
    treatments = {row.pk: row for row in ScenarioTreatment.objects.filter(scenario_campaign__scenario=scenario)}
    campaigns = [
        {
            "line": line,
            "row": forecasts[line.key],
            "treatments": [
                (one, TreatmentInputsForm(treatment=treatments[one.pk]) if may_manage else None)
                for one in line.treatments
            ],
            "dates_form": CampaignDatesForm(line=line) if may_manage and not line.released else None,
        }
        for line in version.campaigns
    ]
    first, last = quarter_bounds(scenario.year, scenario.quarter)
    context = {
        "scenario": scenario,
        "outlook": result,
        "campaigns": campaigns,
        "cost_changes": [(Channel(channel).label, change) for channel, change in (scenario.cost_changes or {}).items()],
        "may_manage": may_manage,
        "assumptions_form": AssumptionsForm(scenario=scenario) if may_manage else None,
        "add_form": AddCampaignForm(initial={"start": first}) if may_manage else None,
        "portfolio_form": PortfolioChangeForm() if may_manage else None,
        "first": first,
        "last": last,
        "pressure_chart": pressure_chart(result.pressure, result.mondays) if result.pressure else None,
    }
    return render(request, "reporting/scenario_detail.html", context)


def _scenario_for_change(request: HttpRequest, scenario_id: int) -> Scenario:
    _manager(request)
    return get_object_or_404(Scenario, pk=scenario_id)


def _done(request: HttpRequest, scenario: Scenario, anchor: str = "") -> HttpResponse:
    return redirect(reverse("reporting:scenario", args=[scenario.pk]) + anchor)


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_assumptions(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    form = AssumptionsForm(request.POST, scenario=scenario)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _done(request, scenario)
    try:
        services.scenario_assumptions_update(
            scenario=scenario,
            user=request.user,
            response_change=form.cleaned_data["response_change"],
            order_value_change=form.cleaned_data["order_value_change"],
            margin_change=form.cleaned_data["margin_change"],
            cost_changes=form.cost_changes(),
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Assumptions changed: every figure below is forecast again with them.")
    return _done(request, scenario)


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_campaign_drop(request: HttpRequest, scenario_id: int, campaign_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    dropped = request.POST.get("dropped", "1") == "1"
    try:
        row = services.scenario_campaign_drop(
            scenario=scenario, user=request.user, scenario_campaign_id=campaign_id, dropped=dropped
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{row.name} {'dropped from' if dropped else 'back in'} the scenario.")
    return _done(request, scenario, "#scenario-campaigns")


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_portfolio_drop(request: HttpRequest, scenario_id: int, portfolio_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    dropped = request.POST.get("dropped", "1") == "1"
    try:
        count, kept = services.scenario_portfolio_drop(
            scenario=scenario, user=request.user, portfolio_id=portfolio_id, dropped=dropped
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        message = f"{count} campaign{'s' if count != 1 else ''} {'dropped' if dropped else 'put back'}."
        if kept:
            message += f" Kept, as their contacts have gone out or their audience is built: {', '.join(kept)}."
        messages.success(request, message)
    return _done(request, scenario, "#scenario-portfolios")


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_portfolio_change(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    form = PortfolioChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _done(request, scenario, "#scenario-portfolios")
    try:
        count = services.scenario_portfolio_change(
            scenario=scenario,
            user=request.user,
            portfolio_id=form.cleaned_data["portfolio"].pk,
            response_change=form.cleaned_data["response_change"],
            order_value_change=form.cleaned_data["order_value_change"],
            cost_change=form.cleaned_data["cost_change"],
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Inputs of {count} treatment{'s' if count != 1 else ''} of {form.cleaned_data['portfolio']} changed.",
        )
    return _done(request, scenario, "#scenario-portfolios")


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_treatment(request: HttpRequest, scenario_id: int, treatment_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    form = TreatmentInputsForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _done(request, scenario, "#scenario-campaigns")
    try:
        services.scenario_treatment_update(
            scenario=scenario, user=request.user, scenario_treatment_id=treatment_id, **form.inputs()
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Inputs changed in this scenario only.")
    return _done(request, scenario, "#scenario-campaigns")


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_campaign_dates(request: HttpRequest, scenario_id: int, campaign_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    form = CampaignDatesForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _done(request, scenario, "#scenario-campaigns")
    try:
        row = services.scenario_campaign_dates(
            scenario=scenario,
            user=request.user,
            scenario_campaign_id=campaign_id,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{row.name} runs from {row.start_date:%d %b} to {row.end_date:%d %b %Y} here.")
    return _done(request, scenario, "#scenario-campaigns")


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_add(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    form = AddCampaignForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _done(request, scenario)
    try:
        row = services.scenario_campaign_add(
            scenario=scenario,
            user=request.user,
            template=form.cleaned_data["template"],
            name=form.cleaned_data["name"],
            start=form.cleaned_data["start"],
        )
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{row.name} added to the scenario.")
    return _done(request, scenario, "#scenario-campaigns")


@require_POST
@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_promote(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario_for_change(request, scenario_id)
    try:
        done = services.scenario_promote(scenario=scenario, user=request.user)
    except services.ScenarioError as error:
        messages.error(request, str(error))
    else:
        created = ", ".join(campaign.name for campaign in done.created) or "none"
        cancelled = ", ".join(campaign.name for campaign in done.cancelled) or "none"
        changed = ", ".join(campaign.name for campaign in done.changed) or "none"
        messages.success(
            request,
            f"{scenario.name} is now the plan. Created as drafts: {created}. Cancelled: {cancelled}. "
            f"Drafts given the scenario's dates and inputs: {changed}.",
        )
        for name, reason in done.unchanged:
            messages.warning(request, f"{name} keeps its own dates and inputs: it is {reason}.")
    return _done(request, scenario)


@permission_required("reporting.view_scenarios", raise_exception=True)
def scenario_compare(request: HttpRequest) -> HttpResponse:
    """Two or three versions of a quarter side by side: `?v=plan&v=<scenario id>...`; the first is the baseline."""
    chosen = [value for value in request.GET.getlist("v") if value][:MOST_COMPARED]
    ids = [int(value) for value in chosen if value.isdigit()]
    scenarios = {scenario.pk: scenario for scenario in Scenario.objects.filter(pk__in=ids)}
    if not scenarios:
        messages.error(request, "Choose at least one scenario to compare.")
        return redirect("reporting:scenarios")
    year, quarter = next(iter(scenarios.values())).year, next(iter(scenarios.values())).quarter
    versions = []
    for value in chosen:
        if value == "plan":
            versions.append(plan_version(year, quarter))
        elif value.isdigit() and int(value) in scenarios:
            scenario = scenarios[int(value)]
            if (scenario.year, scenario.quarter) != (year, quarter):
                messages.error(
                    request, f"{scenario.name} plans {scenario.quarter_label}: compare one quarter at a time."
                )
                continue
            versions.append(scenario_version(scenario))
    facts = quarter_facts(year, quarter)
    outlooks = [outlook(version, facts) for version in versions]
    others = Scenario.objects.filter(year=year, quarter=quarter)
    context = {
        "outlooks": outlooks,
        "lines": comparison(outlooks),
        "chart": comparison_chart(outlooks),
        "quarter_label": f"{year} Q{quarter}",
        "choices": [("plan", "The plan"), *((str(s.pk), s.name) for s in others)],
        "selects": [chosen[slot] if slot < len(chosen) else "" for slot in range(MOST_COMPARED)],
    }
    return render(request, "reporting/scenario_compare.html", context)


@permission_required("reporting.view_plan", raise_exception=True)
def programme_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = year if 2000 <= year <= 2100 else today.year
    result = programme(year)
    first, last = quarter_bounds(year, 1)[0], quarter_bounds(year, 4)[1]
    context = {
        "year": year,
        "programme": result,
        "periods": [*result.quarters, result.year_total],
        "control": against_global_control(first, min(last, today)) if first <= today else None,
        "chart": reach_chart(result.reach) if result.reach else None,
    }
    return render(request, "reporting/programme.html", context)
