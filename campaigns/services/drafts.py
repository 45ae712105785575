"""A campaign's life outside the approval workflow: edit a draft, copy any campaign to a new draft, cancel one
that has not gone out, delete a draft. Each change is kept in the campaign's history with its reason."""

import secrets
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from campaigns.models import AudienceMember, Campaign, Treatment
from campaigns.services.workflow import (
    ANALYSIS_CHOICES,
    DESIGN_CHOICES,
    NO_PORTFOLIO,
    CampaignError,
    _locked,
    check_transition,
    shared_population_check,
)
from core.lib.history import recorded
from core.lib.quarters import quarter_of

EDITABLE = (
    "name",
    "portfolio",
    "start_date",
    "end_date",
    "objective",
    "description",
    *DESIGN_CHOICES,
    *ANALYSIS_CHOICES,
)


def _draft_only(campaign: Campaign, doing: str) -> None:
    if not campaign.editable:
        raise CampaignError(
            f"A campaign is {doing} only while it is a draft; {campaign.name} is "
            f"{campaign.get_status_display().lower()}. Copy it to a new draft instead."
        )


@transaction.atomic
def campaign_update(*, campaign: Campaign, user: AbstractBaseUser, **fields: Any) -> Campaign:
    """Change a draft's name, portfolio, dates, objective, description or test design."""
    campaign = _locked(campaign)
    _draft_only(campaign, "edited")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise CampaignError(f"These cannot be edited on a campaign: {', '.join(sorted(unknown))}.")
    if "portfolio" in fields and fields["portfolio"] is None:
        raise CampaignError(NO_PORTFOLIO)
    for name, value in fields.items():
        setattr(campaign, name, value)
    if campaign.end_date < campaign.start_date:
        raise CampaignError("The campaign cannot end before it starts.")
    campaign.year, campaign.quarter = quarter_of(campaign.start_date)
    campaign.full_clean()
    shared_population_check(campaign, list(campaign.treatments.select_related("segment")))
    campaign._change_reason = "Edited"
    campaign.save()
    return campaign


@transaction.atomic
def campaign_copy(
    *, campaign: Campaign, user: AbstractBaseUser, name: str, start_date: date, end_date: date
) -> Campaign:
    """A new draft like `campaign` (the usual way to run a winning campaign again): its portfolio, objective,
    test design and every treatment, with new dates, a new owner and a new draw of the control group."""
    if end_date < start_date:
        raise CampaignError("The campaign cannot end before it starts.")
    if campaign.portfolio_id is None:
        raise CampaignError(f"{campaign.name} has no portfolio: " + NO_PORTFOLIO[0].lower() + NO_PORTFOLIO[1:])
    year, quarter = quarter_of(start_date)
    copy = Campaign(
        name=name,
        portfolio=campaign.portfolio,
        owner=user,
        start_date=start_date,
        end_date=end_date,
        year=year,
        quarter=quarter,
        objective=campaign.objective,
        description=campaign.description,
        seed=secrets.randbelow(2**31),
        **{choice: getattr(campaign, choice) for choice in (*DESIGN_CHOICES, *ANALYSIS_CHOICES)},
    )
    copy.full_clean()
    copy._change_reason = f"Copied from {campaign.name} (#{campaign.pk})"
    copy.save()
    for treatment in campaign.treatments.all():
        fields = {field.attname: getattr(treatment, field.attname) for field in Treatment._meta.concrete_fields}
        Treatment.objects.create(**{**fields, "id": None, "campaign_id": copy.pk})
    return copy


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, user: AbstractBaseUser, reason: str) -> Campaign:
    """Stop a campaign that has not gone out: it keeps its plan and audience for the record and spends nothing."""
    if not reason.strip():
        raise CampaignError("Say why the campaign is cancelled.")
    campaign = _locked(campaign)
    campaign.status = check_transition(campaign, "cancel")
    recorded(campaign, user=user, why=f"Cancelled: {reason.strip()}").save(update_fields=["status"])
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign, user: AbstractBaseUser) -> None:
    """Delete a draft with its treatments and any audience built for it; its history keeps the deletion."""
    campaign = _locked(campaign)
    _draft_only(campaign, "deleted")
    # One statement for the members (a draft's audience may hold millions), not a row-by-row cascade.
    AudienceMember.objects.filter(campaign=campaign)._raw_delete(AudienceMember.objects.db)
    campaign._change_reason = "Deleted"
    campaign.delete()
