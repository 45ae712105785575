"""What the home page shows: counts from the database and one chart."""

from collections import defaultdict
from datetime import timedelta
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from core.charts import figure_data, figure_plain
from core.lib.memo import remembered
from core.lib.money import format_cents
from core.models import Job
from core.selectors import job_summary, jobs_version
from customers.models import MonthlySales
from customers.selectors import CustomerFilters, customer_count, monthly_sales
from desk.inbox import inbox

STATUS_COLOURS = {"succeeded": "#16a34a", "failed": "#dc2626", "running": "#2563eb", "queued": "#9ca3af"}
# The jobs that write the monthly sales summary.
SALES_JOBS = (Job.Kind.IMPORT, Job.Kind.DEMO_DATA, Job.Kind.SALES_SUMMARY)


def home_dashboard(user: AbstractBaseUser) -> dict[str, Any]:
    jobs = job_summary(user)
    customers, _ = customer_count(CustomerFilters())
    return {
        "tiles": [
            {"label": "Customers", "value": customers},
            {"label": "Jobs run", "value": jobs.succeeded},
            {"label": "Jobs failed", "value": jobs.failed},
        ],
        "recent_jobs": jobs.recent,
        "inbox": inbox(user),
        "charts": [
            {
                "id": "chart-sales",
                "figure": remembered(
                    f"home:sales:{jobs_version(*SALES_JOBS)}", lambda: sales_chart(list(monthly_sales()))
                ),
            },
            # Made from the rows the user may see and kept under them: the same rows, the same chart.
            {"id": "chart-jobs", "figure": jobs_chart(jobs.by_day)},
        ],
    }


def sales_chart(months: list) -> dict[str, Any]:
    figure = go.Figure()
    for channel, colour in (("store", "#2563eb"), ("online", "#f59e0b")):
        rows = [row for row in months if row.channel == channel]
        figure.add_bar(
            x=[row.month for row in rows],
            y=[row.revenue_cents / 100 for row in rows],
            customdata=[margin_words(row) for row in rows],
            hovertemplate="%{x|%Y-%m}: revenue %{y:,.2f}, %{customdata}<extra>" + channel + "</extra>",
            name=channel.capitalize(),
            marker_color=colour,
        )
    figure.update_layout(barmode="stack", title="Revenue by month", yaxis_title="revenue")
    return figure_data(figure, height=300)


def margin_words(month: MonthlySales) -> str:
    """A month's margin as people should read it: with the share of revenue it covers, or unknown."""
    if month.margin_cents is None:
        return "margin unknown"
    share = month.margin_known_share
    known = "" if share is None or share >= 1 else f" (known for {share:.1%} of revenue)"
    return f"margin {format_cents(month.margin_cents)}{known}"


def jobs_chart(rows: list[dict], *, days: int = 30) -> dict[str, Any]:
    """Jobs per day and status over the last `days` days, stacked; days without jobs count 0."""
    today = timezone.localdate()
    calendar = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    counts: dict[tuple, int] = defaultdict(int)
    for row in rows:
        counts[row["day"], row["status"]] += row["jobs"]
    traces = [
        {
            "type": "bar",
            "x": calendar,
            "y": [counts[day, status] for day in calendar],
            "name": status.capitalize(),
            "marker": {"color": colour},
        }
        for status, colour in STATUS_COLOURS.items()
    ]
    # No jobs yet: an axis from 0 up, not plotly's -1 to 1 around nothing.
    yaxis = {"title": {"text": "jobs"}, "rangemode": "nonnegative"}
    if not rows:
        yaxis.update(range=[0, 1], dtick=1)
    layout = {"barmode": "stack", "title": {"text": "Jobs per day, last 30 days"}, "yaxis": yaxis}
    # It changes whenever a job ends, so it is made for nearly every look at the home page: made by hand.
    return figure_plain(traces, layout, height=260)
