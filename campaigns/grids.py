"""The campaign list as a grid: its columns, filters (status, portfolio, channel, quarter) and rows."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from campaigns.models import Campaign, Objective, Treatment
from core.grids import Column, Grid
from core.lib.urls import object_url
from customers.models import Channel
from segments.models import Portfolio

# Labels read from a dict: get_FOO_display() builds the dict of every choice again for each row.
STATUS_LABELS, OBJECTIVE_LABELS = dict(Campaign.Status.choices), dict(Objective.choices)
CHANNEL_LABELS = dict(Channel.choices)
STATUS_TONES = {
    Campaign.Status.DRAFT: "secondary",
    Campaign.Status.SUBMITTED: "warning",
    Campaign.Status.APPROVED: "info",
    Campaign.Status.AUDIENCE_BUILT: "info",
    Campaign.Status.RELEASED: "success",
    Campaign.Status.MEASURING: "success",
}


def _on_channel(campaigns: QuerySet[Campaign], channel: str) -> QuerySet[Campaign]:
    """Campaigns with a treatment sent on the channel, first or as one of its other channels."""
    on_it = Treatment.objects.filter(Q(channel=channel) | Q(also_channels__contains=[channel]), campaign=OuterRef("pk"))
    return campaigns.filter(Exists(on_it))


def _in_quarter(campaigns: QuerySet[Campaign], quarter: str) -> QuerySet[Campaign]:
    year, number = quarter.split("-")
    return campaigns.filter(year=int(year), quarter=int(number))


# The filters' choices, read by hand: the grid is made for every page of the list and every page of rows.
QUARTERS_SQL = f"SELECT DISTINCT year, quarter FROM {Campaign._meta.db_table} ORDER BY year DESC, quarter DESC"
PORTFOLIOS_SQL = f"SELECT id, name FROM {Portfolio._meta.db_table} ORDER BY name, id"


def _quarters() -> tuple[tuple[str, str], ...]:
    with connection.cursor() as cursor:
        cursor.execute(QUARTERS_SQL)
        return tuple((f"{year}-{quarter}", f"{year} Q{quarter}") for year, quarter in cursor.fetchall())


def _portfolios() -> tuple[tuple[str, str], ...]:
    with connection.cursor() as cursor:
        cursor.execute(PORTFOLIOS_SQL)
        return tuple((str(pk), name) for pk, name in cursor.fetchall())


def campaign_grid() -> Grid:
    return Grid(
        name="campaigns",
        sort=("-start_date",),  # the latest first: what runs now and next, then the history
        placeholder="No campaign matches.",
        columns=(
            Column("name", "Campaign", lookup="name", filter="text", format="link", width=220),
            Column(
                "quarter",
                "Quarter",
                lookup="start_date",
                filter="choice",
                choices=_quarters(),
                filter_by=_in_quarter,
                width=90,
            ),
            Column("start_date", "Starts", lookup="start_date", format="date", width=100),
            Column("end_date", "Ends", lookup="end_date", format="date", width=100),
            Column(
                "portfolio",
                "Portfolio",
                lookup="portfolio__name",
                filter="choice",
                choices=_portfolios(),
                filter_by=lambda campaigns, pk: campaigns.filter(portfolio_id=int(pk)),
            ),
            Column(
                "channels",
                "Channels",
                filter="choice",
                choices=tuple(Channel.choices),
                filter_by=_on_channel,
                tooltip="The channels its treatments go out on",
            ),
            Column("objective", "Objective", lookup="objective", filter="choice", choices=tuple(Objective.choices)),
            Column("owner", "Owner", lookup="owner__username", filter="text", filter_by=_owned_by),
            Column("treatments", "Treatments", lookup="treatment_count", format="count", width=100),
            Column(
                "status",
                "Status",
                lookup="status",
                filter="choice",
                choices=tuple(Campaign.Status.choices),
                format="badge",
            ),
            Column(
                "committed",
                "Committed",
                lookup="committed_cents",
                format="money",
                width=110,
                tooltip="Planned cost booked against the budget at release",
            ),
        ),
    )


def _owned_by(campaigns: QuerySet[Campaign], text: str) -> QuerySet[Campaign]:
    return campaigns.filter(
        Q(owner__username__icontains=text) | Q(owner__first_name__icontains=text) | Q(owner__last_name__icontains=text)
    )


def campaign_row(campaign: Campaign, user: AbstractBaseUser) -> dict[str, Any]:
    """One campaign as the grid shows it; `edit_url` only where this user may change it now."""
    may_edit = campaign.editable and user.has_perm("campaigns.change_campaign", campaign)
    channels = sorted(campaign.treatment_channels)
    return {
        "id": campaign.pk,
        "url": object_url("campaigns:detail")(campaign.pk),
        "edit_url": object_url("campaigns:edit")(campaign.pk) if may_edit else None,
        "name": campaign.name,
        "quarter": campaign.quarter_label,
        "start_date": campaign.start_date.isoformat(),
        "end_date": campaign.end_date.isoformat(),
        "portfolio": campaign.portfolio.name if campaign.portfolio else "",
        "channels": ", ".join(CHANNEL_LABELS.get(channel, channel) for channel in channels),
        "objective": OBJECTIVE_LABELS.get(campaign.objective, campaign.objective),
        "owner": campaign.owner.get_full_name() or campaign.owner.username if campaign.owner else "",
        "treatments": campaign.treatment_count,
        "status": STATUS_LABELS.get(campaign.status, campaign.status),
        "status_tone": STATUS_TONES.get(campaign.status, "dark"),
        "committed": campaign.committed_cents,
    }
