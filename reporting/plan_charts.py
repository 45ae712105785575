"""The plan's figures: the campaign calendar and the weekly contact pressure, built for the page only."""

from datetime import date, datetime, time, timedelta
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse

from campaigns.models import Campaign, Objective
from core.charts import figure_data, figure_given_whole
from customers.models import Channel
from reporting.plan import PlannedTreatment, Pressure, QuarterPlan

STATUS_COLOURS = {
    Campaign.Status.DRAFT: "#9ca3af",
    Campaign.Status.SUBMITTED: "#f59e0b",
    Campaign.Status.APPROVED: "#0ea5e9",
    Campaign.Status.AUDIENCE_BUILT: "#6366f1",
    Campaign.Status.RELEASED: "#16a34a",
    Campaign.Status.MEASURING: "#15803d",
    Campaign.Status.CLOSED: "#475569",
    Campaign.Status.CANCELLED: "#cbd5e1",
}
ROWS = {"portfolio": "Portfolio", "channel": "Channel", "objective": "Objective"}
DAY_MS = 86_400_000


def _row_labels(treatments: list[PlannedTreatment], campaign: Campaign, rows: str) -> list[str]:
    if rows == "channel":
        channels = {row.treatment.channel for row in treatments}
        return [Channel(channel).label for channel in Channel.values if channel in channels] or ["No treatment yet"]
    if rows == "objective":
        return [Objective(campaign.objective).label.split(":")[0]]
    return [str(campaign.portfolio) if campaign.portfolio else "No portfolio"]


def calendar(plan: QuarterPlan, *, rows: str, first: date, last: date, movable: set[int]) -> dict[str, Any]:
    """A bar per campaign (and per row it falls in), coloured by status; hovering names it and a click opens it.
    Draft campaigns the user may change get an outline to drag: the page sends the new dates."""
    bars: dict[str, dict[str, list]] = {}
    outlines = []
    order: list[str] = []
    by_campaign = plan.by_campaign()
    for campaign in plan.campaigns:
        for label in _row_labels(by_campaign.get(campaign.pk, []), campaign, rows):
            if label not in order:
                order.append(label)
            bar = bars.setdefault(campaign.status, {"y": [], "base": [], "x": [], "customdata": [], "text": []})
            bar["y"].append(label)
            bar["base"].append(campaign.start_date.isoformat())
            bar["x"].append(((campaign.end_date - campaign.start_date).days + 1) * DAY_MS)
            bar["customdata"].append(
                [reverse("campaigns:detail", args=[campaign.pk]), campaign.name, campaign.get_status_display()]
            )
            bar["text"].append(campaign.name)
            if campaign.pk in movable:
                outlines.append((campaign, label))
    order.sort()
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            **bars[status],
            "textposition": "inside",
            "insidetextanchor": "start",
            "name": status.label,
            "marker": {"color": STATUS_COLOURS[status]},
            "hovertemplate": "%{customdata[1]}<br>%{customdata[2]}<br>%{base|%d %b} to %{x|%d %b}<extra></extra>",
        }
        for status in Campaign.Status
        if status in bars
    ]
    shapes, moves = [], []
    for campaign, label in outlines:
        position = order.index(label)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": campaign.start_date.isoformat(),
                "x1": (campaign.end_date + timedelta(days=1)).isoformat(),
                "y0": position - 0.42,
                "y1": position + 0.42,
                "line": {"color": "#1d4ed8", "width": 2, "dash": "dot"},
                "fillcolor": "rgba(29,78,216,0.06)",
                "editable": True,
            }
        )
        moves.append(
            {
                "url": reverse("reporting:plan_dates", args=[campaign.pk]),
                "name": campaign.name,
                "start": campaign.start_date.isoformat(),
                "end": campaign.end_date.isoformat(),
            }
        )
    layout = {
        "barmode": "overlay",
        "title": f"Campaigns by {ROWS[rows].lower()}",
        "xaxis": {
            "type": "date",
            "range": [first.isoformat(), (last + timedelta(days=1)).isoformat()],
            "tickformat": "%d %b",
        },
        "yaxis": {"categoryorder": "array", "categoryarray": order, "autorange": "reversed"},
        "shapes": shapes,
        "meta": {"moves": moves},
    }
    # The traces and layout given whole: adding them one property at a time costs plotly several times as much.
    return figure_given_whole(traces, layout, height=max(220, 90 + 34 * len(order)))


def pressure_chart(series: list[Pressure], *, mondays: list[date], title: str, per_customer: bool) -> dict[str, Any]:
    """Contacts per week (stacked, estimates lighter), or contacts per customer in the cap's window with the cap."""
    traces = []
    x = [datetime.combine(monday, time()).isoformat() for monday in mondays]
    for index, line in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        if per_customer:
            traces.append(
                {
                    "type": "scatter",
                    "x": x,
                    "y": line.per_customer,
                    "name": line.label,
                    "mode": "lines+markers",
                    "line": {"color": colour},
                    "hovertemplate": "week of %{x|%d %b}: %{y:.2f} contacts per customer<extra>"
                    + line.label
                    + "</extra>",
                }
            )
            if line.cap is not None:
                traces.append(
                    {
                        "type": "scatter",
                        "x": [x[0], x[-1]],
                        "y": [line.cap, line.cap],
                        "mode": "lines",
                        "line": {"color": colour, "dash": "dash", "width": 1},
                        "name": f"{line.label} cap",
                        "hovertemplate": f"cap: {line.cap:g} contacts in the window<extra></extra>",
                        "showlegend": False,
                    }
                )
        else:
            exact = [total - estimated for total, estimated in zip(line.per_week, line.estimated, strict=True)]
            traces.append(
                {
                    "type": "bar",
                    "x": x,
                    "y": exact,
                    "name": line.label,
                    "marker": {"color": colour},
                    "legendgroup": line.label,
                }
            )
            if any(line.estimated):
                traces.append(
                    {
                        "type": "bar",
                        "x": x,
                        "y": line.estimated,
                        "name": f"{line.label} (estimated)",
                        "marker": {"color": colour, "opacity": 0.45, "pattern": {"shape": "/"}},
                        "legendgroup": line.label,
                        "showlegend": False,
                        "hovertemplate": "%{y:,} contacts estimated from segment counts<extra>"
                        + line.label
                        + "</extra>",
                    }
                )
    layout = {
        "barmode": "stack",
        # Centred 30 px below the top: anchored by its top, plotly put a two-line title's first line above the chart.
        "title": {"text": title, "y": 0.9, "yanchor": "middle"},
        "yaxis": {"title": "contacts per customer" if per_customer else "contacts"},
        "xaxis": {"tickformat": "%d %b"},
    }
    data = figure_given_whole(traces, layout, height=300)
    data["layout"]["margin"]["t"] = 64  # room for the title's second line
    return data


PALETTE = ["#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]


def burn_chart(
    *,
    first: date,
    last: date,
    budget_steps: list[tuple[date, int]],
    committed: list[tuple[date, int]],
    spent: list[tuple[date, int]],
) -> dict[str, Any]:
    """Budget (as approved on each day) against the cumulative cost committed by releases and measured as spent."""
    figure = go.Figure()
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]

    def running(events: list[tuple[date, int]]) -> list[float]:
        return [sum(amount for day, amount in events if day <= current) / 100 for current in days]

    def as_of(steps: list[tuple[date, int]]) -> list[float]:
        values = []
        for current in days:
            known = [amount for day, amount in steps if day <= current]
            values.append(known[-1] / 100 if known else (steps[0][1] / 100 if steps else 0))
        return values

    x = [day.isoformat() for day in days]
    figure.add_scatter(x=x, y=as_of(budget_steps), name="Budget", line={"color": "#475569", "dash": "dash"})
    figure.add_scatter(x=x, y=running(committed), name="Committed", line={"color": "#2563eb"}, fill="tozeroy")
    figure.add_scatter(x=x, y=running(spent), name="Spent (measured)", line={"color": "#dc2626"})
    figure.update_layout(title="Budget burn this quarter", yaxis_title="amount", xaxis={"tickformat": "%d %b"})
    return figure_data(figure, height=260)


def spend_by_channel(rows: list[dict]) -> dict[str, Any]:
    """Planned, committed and spent per channel (`rows` are the portfolio's channel rows of the budget grid)."""
    figure = go.Figure()
    labels = [row["label"] for row in rows]
    for field, name, colour in (
        ("planned", "Planned", "#9ca3af"),
        ("committed", "Committed", "#2563eb"),
        ("spent", "Spent", "#dc2626"),
    ):
        figure.add_bar(x=labels, y=[row[field] / 100 for row in rows], name=name, marker_color=colour)
    figure.update_layout(barmode="group", title="Spend by channel this quarter", yaxis_title="amount")
    return figure_data(figure, height=260)
