"""The plan pages: a quarter (or a year) of campaigns, their budget, contact pressure and results, and the
portfolio list with each portfolio's money and objectives."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from campaigns import selectors as campaign_selectors
from campaigns.services.workflow import CampaignError, campaign_reschedule
from core.grids import grid_context
from core.lib.quarters import quarter_of
from reporting import plan as planning
from reporting.grids import portfolio_grid, portfolio_row
from reporting.plan_charts import ROWS, calendar, pressure_chart
from segments import selectors as segment_selectors

GRID_HELP = {
    "budget": "The approved budget of the quarter. A change waiting for a manager is shown beside it, not counted.",
    "planned": "Campaigns not released yet (draft, submitted, approved, built): contacts times cost per contact, "
    "plus expected redemptions times their cost (allocated offers' expected cost once allocated). "
    "Contacts are the audience build's, or the segment's count less the holdout before a build.",
    "committed": "Booked when campaigns were released: their planned cost at release, shared over treatments "
    "by planned cost.",
    "spent": "Contact and offer costs measured by each released campaign's latest results.",
    "forecast_net": "Expected incremental margin (contacts x expected response rate x order value x margin rate) "
    "less the planned cost, or the committed cost once released.",
    "measured_net": "Incremental margin less costs, from the latest results of released campaigns.",
    "remaining": "Budget less committed less planned: what is left to plan.",
}


def _period(request: HttpRequest) -> tuple[int, int | None]:
    """The quarter asked for (None: the whole year), or this quarter when the address names none or nonsense."""
    this_year, this_quarter = quarter_of(timezone.localdate())
    try:
        year = int(request.GET.get("year", this_year))
        quarter_text = request.GET.get("quarter", "")
        quarter = None if quarter_text == "year" else int(quarter_text or this_quarter)
    except ValueError:
        return this_year, this_quarter
    if not 2000 <= year <= 2100 or (quarter is not None and not 1 <= quarter <= 4):
        return this_year, this_quarter
    return year, quarter


def _movable(request: HttpRequest, plan: planning.QuarterPlan) -> set[int]:
    return {
        campaign.pk
        for campaign in plan.campaigns
        if campaign.editable and request.user.has_perm("campaigns.change_campaign", campaign)
    }


@permission_required("reporting.view_plan", raise_exception=True)
def plan(request: HttpRequest) -> HttpResponse:
    year, quarter = _period(request)
    rows = request.GET.get("rows", "portfolio")
    rows = rows if rows in ROWS else "portfolio"
    if quarter is None:
        return _year(request, year, rows)
    quarter_plan = planning.quarter_plan(year, quarter)
    grid, total = planning.budget_grid(quarter_plan)
    mondays = planning.weeks(quarter_plan)
    by_channel = planning.pressure_by_channel(quarter_plan, planning.consenting_customers())
    stages = planning.stage_sizes()
    by_stage = planning.pressure_by_stage(quarter_plan, stages)
    window = quarter_plan.policy.window_days
    charts = [
        {
            "id": "chart-calendar",
            "figure": calendar(
                quarter_plan,
                rows=rows,
                first=quarter_plan.first,
                last=quarter_plan.last,
                movable=_movable(request, quarter_plan),
            ),
        },
    ]
    pressure = [
        {
            "id": "chart-pressure-channel",
            "figure": pressure_chart(
                by_channel, mondays=mondays, title="Contacts per week by channel", per_customer=False
            ),
        },
        {
            "id": "chart-pressure-stage",
            "figure": pressure_chart(
                by_stage,
                mondays=mondays,
                title=f"Contacts per customer by stage<br><sup>in the last {window} days, against the cap</sup>",
                per_customer=True,
            ),
        },
        {
            "id": "chart-pressure-channel-rate",
            "figure": pressure_chart(
                by_channel,
                mondays=mondays,
                title="Contacts per reachable customer by channel<br><sup>in each channel's cap window, "
                "against its cap</sup>",
                per_customer=True,
            ),
        },
    ]
    context = {
        "year": year,
        "quarter": quarter,
        "rows": rows,
        "row_choices": ROWS,
        "quarters": _quarter_links(year),
        "charts": charts,
        "pressure": pressure,
        "grid": [row.as_dict() for row in grid] + [total.as_dict()],
        "grid_help": GRID_HELP,
        "results": _results_rows(quarter_plan),
        "counts": _status_counts(quarter_plan),
        "estimated": any(not row.exact for row in quarter_plan.treatments),
        "cadence": planning.cadence(quarter_plan, stages),
    }
    return render(request, "reporting/plan.html", context)


def _quarter_links(year: int) -> list[tuple[int, int, str]]:
    return [(year, quarter, f"Q{quarter}") for quarter in range(1, 5)]


def _status_counts(quarter_plan: planning.QuarterPlan) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for campaign in quarter_plan.campaigns:
        counts[campaign.get_status_display()] = counts.get(campaign.get_status_display(), 0) + 1
    return list(counts.items())


def _results_rows(quarter_plan: planning.QuarterPlan) -> list[dict]:
    """Plan against actual, per campaign of the quarter."""
    rows = []
    by_campaign = quarter_plan.by_campaign()
    for campaign in quarter_plan.campaigns:
        treatments = by_campaign.get(campaign.pk, [])
        measured = quarter_plan.measured.get(campaign.pk)
        released = campaign.status in planning.RELEASED
        cost = sum(row.committed_cents if released else row.planned_cents for row in treatments)
        rows.append(
            {
                "campaign": campaign,
                "contacts": sum(row.contacts for row in treatments),
                "exact": all(row.exact for row in treatments),
                "cost": cost,
                "forecast_net": sum(row.forecast_net_cents for row in treatments),
                "measured_margin": measured["incremental_margin_cents"] if measured else None,
                "measured_net": measured["net_cents"] if measured else None,
                "roi": measured.get("roi") if measured else None,
            }
        )
    return rows


def _year(request: HttpRequest, year: int, rows: str) -> HttpResponse:
    """Four quarters: the year's calendar and, per portfolio, each quarter's budget, committed and planned."""
    plans = [planning.quarter_plan(year, quarter) for quarter in range(1, 5)]
    first, last = date(year, 1, 1), date(year, 12, 31)
    everything = plans[0]
    seen = {campaign.pk for campaign in everything.campaigns}
    for other in plans[1:]:
        everything.campaigns += [campaign for campaign in other.campaigns if campaign.pk not in seen]
        everything.treatments += [row for row in other.treatments if row.campaign.pk not in seen]
        seen |= {campaign.pk for campaign in other.campaigns}
    summary: dict[str, dict] = {}
    for quarter, quarter_plan in enumerate(plans, start=1):
        grid, total = planning.budget_grid(quarter_plan)
        for row in [*grid, total]:
            line = summary.setdefault(row.label, {"label": row.label, "quarters": {}})
            line["quarters"][quarter] = row
    chart = calendar(everything, rows=rows, first=first, last=last, movable=_movable(request, everything))
    context = {
        "year": year,
        "quarter": None,
        "rows": rows,
        "row_choices": ROWS,
        "quarters": _quarter_links(year),
        "charts": [{"id": "chart-calendar", "figure": chart}],
        "summary": list(summary.values()),
    }
    return render(request, "reporting/plan_year.html", context)


@require_POST
@permission_required("reporting.view_plan", raise_exception=True)
def plan_dates(request: HttpRequest, campaign_id: int) -> JsonResponse:
    """A draft campaign dragged on the calendar: its new dates, or why they were refused."""
    campaign = campaign_selectors.campaign_get(campaign_id)
    if not request.user.has_perm("campaigns.change_campaign", campaign):
        raise PermissionDenied("Only the campaign's owner or a manager moves it.")
    try:
        start, end = date.fromisoformat(request.POST["start"]), date.fromisoformat(request.POST["end"])
        campaign = campaign_reschedule(campaign=campaign, user=request.user, start_date=start, end_date=end)
    except (KeyError, ValueError):
        return JsonResponse({"error": "Give the new start and end as dates (YYYY-MM-DD)."}, status=400)
    except CampaignError as error:
        return JsonResponse({"error": str(error)}, status=409)
    return JsonResponse(
        {"message": f"{campaign.name} now runs from {campaign.start_date:%d %b} to {campaign.end_date:%d %b %Y}."}
    )


@permission_required("segments.view_portfolios", raise_exception=True)
def portfolio_list(request: HttpRequest) -> HttpResponse:
    """Every portfolio with this quarter's budget, spend, net P&L and objectives."""
    year, quarter = quarter_of(timezone.localdate())
    quarter_plan = planning.quarter_plan(year, quarter)
    grid, total = planning.budget_grid(quarter_plan)
    figures = {row.portfolio_id: row for row in grid}
    sizes = segment_selectors.stage_sizes_now()
    portfolios = segment_selectors.portfolios_with_objectives(quarter_plan.portfolios)
    objectives = [objective for portfolio in portfolios for objective in portfolio.objectives.all()]
    progress = segment_selectors.objectives_progress(
        [o for o in objectives if (o.year, o.quarter) == (year, quarter)], history=segment_selectors.stage_history()
    )
    by_portfolio: dict[int, list] = {}
    for item in progress:
        by_portfolio.setdefault(item.objective.portfolio_id, []).append(item)
    quarter_label = f"{year} Q{quarter}"
    rows = [
        portfolio_row(
            portfolio,
            customers=sizes.get(portfolio.stage_id, 0),
            figures=figures.get(portfolio.pk),
            objectives=by_portfolio.get(portfolio.pk, []),
            user=request.user,
        )
        for portfolio in portfolios
    ]
    context = {
        "grid": grid_context(portfolio_grid(quarter_label), rows, count=len(rows)),
        "total": total,
        "quarter_label": quarter_label,
        "may_create": request.user.has_perm("segments.manage_portfolios"),
    }
    return render(request, "reporting/portfolio_list.html", context)
