"""The portfolio and results lists as grids. Both are short and computed (budgets, measured totals), so the page
carries every row and the browser sorts and filters them."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from campaigns.grids import STATUS_TONES
from campaigns.models import Campaign
from core.grids import Column, Grid
from core.lib.urls import object_url
from reporting.plan import GridRow
from reporting.selectors import Measured
from segments.models import Portfolio


def portfolio_grid(quarter_label: str) -> Grid:
    return Grid(
        name="portfolios",
        remote=False,
        sort=("name",),
        placeholder="No portfolios yet.",
        columns=(
            Column("name", "Portfolio", lookup="name", filter="text", format="link", width=160),
            Column("stage", "Stage", lookup="stage", filter="text", width=120),
            Column("owner", "Owner", lookup="owner", filter="text", width=130),
            Column("customers", "Customers now", lookup="customers", format="count", width=145),
            Column(
                "budget",
                "Budget",
                total=True,
                lookup="budget",
                format="money",
                width=110,
                tooltip=f"The approved budget of {quarter_label}",
            ),
            Column(
                "asked",
                "Asked for",
                lookup="asked",
                format="money",
                width=110,
                tooltip="A budget change waiting for a manager",
            ),
            Column(
                "committed",
                "Committed",
                total=True,
                lookup="committed",
                format="money",
                width=110,
                tooltip="Booked by released campaigns",
            ),
            Column(
                "spent",
                "Spent",
                total=True,
                lookup="spent",
                format="money",
                width=110,
                tooltip="Measured costs of released campaigns",
            ),
            Column(
                "net",
                "Net P&L",
                lookup="net",
                format="signed_money",
                total=True,
                width=120,
                tooltip="Measured incremental margin less costs",
            ),
            Column("objectives", "Objectives this quarter", format="lines"),
        ),
    )


def portfolio_row(
    portfolio: Portfolio, *, customers: int, figures: GridRow | None, objectives: list, user: AbstractBaseUser
) -> dict[str, Any]:
    may_edit = user.has_perm("segments.manage_portfolios")
    return {
        "id": portfolio.pk,
        "url": object_url("segments:portfolio")(portfolio.pk),
        "edit_url": object_url("segments:portfolio_edit")(portfolio.pk) if may_edit else None,
        "name": portfolio.name,
        "stage": portfolio.stage.name,
        "owner": portfolio.owner.get_full_name() or portfolio.owner.username,
        "customers": customers,
        "budget": figures.budget if figures else None,
        "asked": figures.pending if figures else None,
        "committed": figures.committed if figures else None,
        "spent": figures.spent if figures else None,
        "net": figures.measured_net if figures else None,
        "objectives": [_objective_line(progress) for progress in objectives] or ["None set"],
    }


def _objective_line(progress: Any) -> str:
    state = {True: "Met", False: "Behind"}.get(progress.met, "Open")
    measured = f": {progress.measured_percent:.1f}%" if progress.measured_percent is not None else ""
    return f"{state}. {progress.objective}{measured}"


def results_grid(campaigns: list[Campaign]) -> Grid:
    quarters = sorted({campaign.quarter_label for campaign in campaigns}, reverse=True)
    return Grid(
        name="results",
        remote=False,
        sort=("-quarter",),
        placeholder="No released campaigns yet.",
        columns=(
            Column("name", "Campaign", lookup="name", filter="text", format="link", width=200),
            Column("quarter", "Quarter", lookup="quarter", filter="choice", choices=tuple((q, q) for q in quarters)),
            Column(
                "status",
                "Status",
                lookup="status",
                filter="choice",
                choices=tuple(Campaign.Status.choices),
                format="badge",
            ),
            Column("treated", "Treated", lookup="treated", format="count"),
            Column("responders", "Incremental responders", lookup="responders", format="count", width=170),
            Column("margin", "Incremental margin", lookup="margin", format="money", total=True, width=150),
            Column("net", "Net P&L", lookup="net", format="signed_money", total=True),
            Column("roi", "ROI", lookup="roi", format="percent", tooltip="Net P&L against costs"),
            Column("measured_at", "Measured", lookup="measured_at", format="date", width=135),
        ),
    )


def result_row(campaign: Campaign, measured: Measured | None) -> dict[str, Any]:
    totals = measured.totals if measured else {}
    return {
        "id": campaign.pk,
        "url": object_url("campaigns:results")(campaign.pk),
        "edit_url": None,
        "name": campaign.name,
        "quarter": campaign.quarter_label,
        "status": campaign.get_status_display(),
        "status_tone": STATUS_TONES.get(campaign.status, "dark"),
        "treated": totals.get("treatment"),
        "responders": _whole(totals.get("incremental_responders")),
        "margin": _whole(totals.get("incremental_margin_cents")),
        "net": _whole(totals.get("net_cents")),
        "roi": totals.get("roi"),
        "measured_at": timezone.localtime(measured.computed_at).strftime("%Y-%m-%d %H:%M") if measured else "",
    }


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)
