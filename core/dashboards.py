"""What the home page shows: counts from the database and one chart."""

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from core.charts import figure_data
from core.models import Job
from core.selectors import job_counts_by_day, jobs_visible_to

STATUS_COLOURS = {"succeeded": "#16a34a", "failed": "#dc2626", "running": "#2563eb", "queued": "#9ca3af"}


def home_dashboard(user: AbstractBaseUser) -> dict[str, Any]:
    jobs = jobs_visible_to(user)
    return {
        "tiles": [
            {"label": "Jobs run", "value": jobs.filter(status=Job.Status.SUCCEEDED).count()},
            {"label": "Jobs failed", "value": jobs.filter(status=Job.Status.FAILED).count()},
        ],
        "recent_jobs": jobs[:8],
        "charts": [{"id": "chart-jobs", "figure": jobs_chart(job_counts_by_day(user))}],
    }


def jobs_chart(rows: list[dict], *, days: int = 30) -> dict[str, Any]:
    frame = pd.DataFrame(rows, columns=["day", "status", "jobs"])
    calendar = pd.date_range(end=timezone.localdate(), periods=days, freq="D").date
    per_day = frame.pivot_table(index="day", columns="status", values="jobs", aggfunc="sum").reindex(calendar)
    figure = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        counts = per_day[status].fillna(0) if status in per_day else pd.Series(0, index=calendar)
        figure.add_bar(x=calendar, y=counts, name=status.capitalize(), marker_color=colour)
    figure.update_layout(barmode="stack", title="Jobs per day, last 30 days", yaxis_title="jobs")
    return figure_data(figure, height=260)
