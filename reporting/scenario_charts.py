"""Figures of the scenario and programme pages (amounts in the currency, not cents)."""

from typing import Any

import plotly.graph_objects as go

from core.charts import figure_data
from customers.models import Channel
from reporting.plan_charts import PALETTE
from reporting.programme import Reach
from reporting.scenarios import ChannelPressure, Outlook

COMPARED = [
    ("Incremental margin", lambda outlook: outlook.total.forecast.margin_cents),
    ("Costs", lambda outlook: outlook.total.forecast.costs_cents),
    ("Net P&L", lambda outlook: outlook.total.forecast.net_cents),
]


def comparison_chart(outlooks: list[Outlook]) -> dict[str, Any]:
    """The versions' totals side by side, with the range of the net P&L as error bars."""
    figure = go.Figure()
    labels = [label for label, _ in COMPARED]
    for number, outlook in enumerate(outlooks):
        values = [figure_of(outlook) / 100 for _, figure_of in COMPARED]
        total = outlook.total.forecast
        minus = [0, 0, (total.net_cents - total.net_low_cents) / 100]
        plus = [0, 0, (total.net_high_cents - total.net_cents) / 100]
        figure.add_bar(
            x=labels,
            y=values,
            name=outlook.version.label,
            marker_color=PALETTE[number % len(PALETTE)],
            error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": True},
            hovertemplate="%{x}: %{y:,.2f}<extra>" + outlook.version.label + "</extra>",
        )
    figure.update_layout(barmode="group", title="Forecast totals of the quarter", yaxis_title="amount")
    return figure_data(figure, height=320)


def pressure_chart(pressure: list[ChannelPressure], mondays: list) -> dict[str, Any]:
    """Contacts per reachable customer in each channel's cap window, week by week, against its cap."""
    figure = go.Figure()
    x = [monday.isoformat() for monday in mondays]
    for number, line in enumerate(pressure):
        colour = PALETTE[number % len(PALETTE)]
        figure.add_scatter(x=x, y=line.per_customer, name=line.label, line={"color": colour})
        figure.add_scatter(
            x=x,
            y=[line.cap] * len(x),
            name=f"{line.label} cap",
            line={"color": colour, "dash": "dot"},
            showlegend=False,
            hovertemplate=f"Cap: {line.cap:g}<extra>{line.label}</extra>",
        )
    figure.update_layout(title="Contacts per reachable customer in the cap window", xaxis={"tickformat": "%d %b"})
    return figure_data(figure, height=260)


def reach_chart(reach: list[Reach]) -> dict[str, Any]:
    """Treated customers against incremental response rate, a bubble per treatment sized by its net P&L."""
    figure = go.Figure()
    largest = max((abs(point.net_cents) for point in reach), default=1) or 1
    for number, channel in enumerate(Channel.values):
        points = [point for point in reach if point.channel == channel]
        if not points:
            continue
        figure.add_scatter(
            x=[point.contacts for point in points],
            y=[point.response_rate for point in points],
            mode="markers",
            name=Channel(channel).label,
            marker={
                "size": [8 + 30 * abs(point.net_cents) / largest for point in points],
                "color": PALETTE[number % len(PALETTE)],
                "line": {"width": 1, "color": ["#dc2626" if point.net_cents < 0 else "#fff" for point in points]},
                "opacity": 0.75,
            },
            text=[f"{point.campaign} {point.code}: net {point.net_cents / 100:,.2f}" for point in points],
            hovertemplate="%{text}<br>%{x:,} treated, %{y:.2%} incremental response<extra></extra>",
        )
    figure.update_layout(
        title="Reach against incremental response rate, per treatment (bubble: size of the net P&L)",
        xaxis={"title": "treated customers", "type": "log"},
        yaxis={"title": "incremental response rate", "tickformat": ".1%"},
    )
    return figure_data(figure, height=380)
