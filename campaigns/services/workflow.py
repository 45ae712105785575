"""The campaign workflow: draft, submitted, approved, audience built, released, measuring, closed; or
cancelled before it is approved for good."""

import secrets
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, Channel, ChannelCap, ContactPolicy, Treatment
from core.lib.history import recorded
from core.lib.quarters import quarter_of
from core.roles import is_manager
from customers.models import Customer
from segments.models import Portfolio

Status = Campaign.Status

# Which status each action may start from, and where it leads.
TRANSITIONS = {
    "submit": ({Status.DRAFT}, Status.SUBMITTED),
    "approve": ({Status.SUBMITTED}, Status.APPROVED),
    "reject": ({Status.SUBMITTED}, Status.DRAFT),
    "release": ({Status.APPROVED, Status.AUDIENCE_BUILT}, Status.RELEASED),
    "start_measuring": ({Status.RELEASED}, Status.MEASURING),
    "close": ({Status.RELEASED, Status.MEASURING}, Status.CLOSED),
    "cancel": ({Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.AUDIENCE_BUILT}, Status.CANCELLED),
}


# How a campaign is tested: the design of its control group is fixed with its audience, the comparison of its
# results may change with any results run.
DESIGN_CHOICES = ("control_design", "shared_control_share")
ANALYSIS_CHOICES = ("p_adjustment", "mean_test")


class CampaignError(Exception):
    """An action the campaign's state or the rules do not allow; the message says why, for the user."""


ACTION_WORDS = {
    "submit": "submitted",
    "approve": "approved",
    "reject": "sent back to draft",
    "release": "released",
    "start_measuring": "measured",
    "close": "closed",
    "cancel": "cancelled",
}


def check_transition(campaign: Campaign, action: str) -> Status:
    """The status `action` leads to, or CampaignError if the campaign's status does not allow it."""
    allowed, target = TRANSITIONS[action]
    if campaign.status not in allowed:
        starts = " or ".join(Status(status).label.lower() for status in sorted(allowed))
        raise CampaignError(
            f"{campaign.name} is {campaign.get_status_display().lower()}: a campaign is "
            f"{ACTION_WORDS[action]} only when it is {starts}."
        )
    return target


NO_PORTFOLIO = "Choose the portfolio whose budget the campaign spends: without one it could never be released."


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


@transaction.atomic
def campaign_create(
    *,
    owner: AbstractBaseUser,
    name: str,
    portfolio: Portfolio,
    start_date: date,
    end_date: date,
    objective: str,
    description: str = "",
    seed: int | None = None,
    **test_design: Any,
) -> Campaign:
    """A draft campaign; `seed` fixes its treatment/control split (reproducible demos), otherwise it is random.
    `test_design` takes the choices `campaign_test_design_update` takes (the model's defaults otherwise)."""
    unknown = set(test_design) - {*ANALYSIS_CHOICES, *DESIGN_CHOICES}
    if unknown:
        raise CampaignError(f"These are not test design choices: {', '.join(sorted(unknown))}.")
    dates_check(start_date, end_date)
    name_check(name, start_date)
    if portfolio is None:
        raise CampaignError(NO_PORTFOLIO)
    year, quarter = quarter_of(start_date)
    campaign = Campaign(
        name=name,
        portfolio=portfolio,
        owner=owner,
        start_date=start_date,
        end_date=end_date,
        objective=objective,
        description=description,
        year=year,
        quarter=quarter,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        **test_design,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


def dates_check(start_date: date, end_date: date) -> None:
    """A campaign ends after it starts and lasts at most CAMPAIGN_MAX_DAYS: its cost is charged to the quarters
    it spans, so a five-year campaign is a mistake. (The years a plan may use are the model's own bounds.)"""
    if end_date < start_date:
        raise CampaignError("The campaign cannot end before it starts.")
    days, longest = (end_date - start_date).days + 1, settings.CAMPAIGN_MAX_DAYS
    if days > longest:
        raise CampaignError(
            f"The campaign would run {days:,} days; a campaign lasts at most {longest:,} days. Split it into "
            "campaigns, each charged to the quarters it runs in."
        )


def name_check(name: str, start_date: date, *, excluding: int | None = None) -> None:
    """Two campaigns of one quarter never share a name: the plan, the inbox and the files would mix them up."""
    year, quarter = quarter_of(start_date)
    same = Campaign.objects.filter(name__iexact=name.strip(), year=year, quarter=quarter).exclude(pk=excluding)
    if same.exists():
        raise CampaignError(
            f"{year} Q{quarter} already has a campaign called {name.strip()}: give this one another name."
        )


def shared_population_check(campaign: Campaign, treatments: list[Treatment]) -> None:
    """A shared control group stands for one population: every treatment must target the same segment."""
    segments = {treatment.segment for treatment in treatments}
    if campaign.shares_control and len(segments) > 1:
        names = ", ".join(sorted(str(segment) for segment in segments))
        raise CampaignError(
            "The treatments share one control group, so they must be randomised over one population: "
            f"give them all the same segment (they target {names}), or give each treatment its own control group."
        )


NO_CONTROL_GROUP = (
    "A holdout of 0% leaves no control group, so the treatment's results cannot be measured: nothing would show "
    "what it changed. Hold out at least some customers (10% is usual), or confirm that it runs with no control group."
)


@transaction.atomic
def treatment_save(
    *, campaign: Campaign, treatment: Treatment | None = None, without_control: bool = False, **fields: Any
) -> Treatment:
    """Add or change a treatment of a draft. A holdout of 0% needs `without_control`: the marketer's word that
    the treatment is meant to run unmeasured."""
    campaign = _locked(campaign)
    if not campaign.editable:
        raise CampaignError(
            f"Treatments change only while the campaign is a draft; it is {campaign.get_status_display().lower()}."
        )
    treatment = treatment or Treatment(campaign=campaign)
    for name, value in fields.items():
        setattr(treatment, name, value)
    # A fixed offer is a bank offer, whose code is kept as sent; a response by offer code is, unless said
    # otherwise, a redemption of the offer the treatment sends.
    if treatment.offer_strategy == Treatment.OfferStrategy.FIXED and treatment.offer_id:
        treatment.offer_code = treatment.offer.code
        treatment.cost_per_redemption_cents = (
            treatment.cost_per_redemption_cents or treatment.offer.cost_per_redemption_cents
        )
    else:
        treatment.offer, treatment.offer_code = None, ""
    if treatment.response_kind == Treatment.Response.OFFER_CODE and not treatment.response_offer_code:
        treatment.response_offer_code = treatment.offer_code
    treatment.topic = (treatment.topic or "").strip()
    _topic_check(treatment.topic)
    treatment.full_clean()
    if treatment.holdout_share == 0 and not campaign.shares_control and not without_control:
        raise ValidationError({"holdout_share": NO_CONTROL_GROUP})
    others = [other for other in campaign.treatments.select_related("segment") if other.pk != treatment.pk]
    shared_population_check(campaign, [*others, treatment])
    treatment.save()
    return treatment


def _topic_check(topic: str) -> None:
    """A topic no customer subscribed to would leave out everyone who chose topics: it is a slip of the keyboard."""
    if topic and not Customer.objects.filter(topics__contains=[topic]).exists():
        raise CampaignError(
            f"No customer subscribed to the topic {topic!r}; topics are written as the customer files name them."
        )


@transaction.atomic
def campaign_test_design_update(*, campaign: Campaign, **choices: Any) -> Campaign:
    """Change how the campaign is tested: its control design while it is a draft, and how its results are
    compared at any time (the next results version uses the new choice; earlier versions keep theirs)."""
    campaign = _locked(campaign)
    unknown = set(choices) - {*ANALYSIS_CHOICES, *DESIGN_CHOICES}
    if unknown:
        raise CampaignError(f"These are not test design choices: {', '.join(sorted(unknown))}.")
    changes = {name: value for name, value in choices.items() if str(getattr(campaign, name)) != str(value)}
    if not campaign.editable and set(changes) & set(DESIGN_CHOICES):
        raise CampaignError(
            "The control group is drawn when the audience is built: its design changes only while the campaign "
            f"is a draft, and {campaign.name} is {campaign.get_status_display().lower()}."
        )
    for name, value in changes.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    shared_population_check(campaign, list(campaign.treatments.select_related("segment")))
    campaign.save()
    return campaign


@transaction.atomic
def campaign_reschedule(*, campaign: Campaign, user: AbstractBaseUser, start_date: date, end_date: date) -> Campaign:
    """Move a draft campaign's dates (as dragged on the plan); it is charged to the quarter it now starts in."""
    campaign = _locked(campaign)
    if not campaign.editable:
        raise CampaignError(f"{campaign.name} is {campaign.get_status_display().lower()}: only a draft's dates move.")
    dates_check(start_date, end_date)
    name_check(campaign.name, start_date, excluding=campaign.pk)
    campaign.start_date, campaign.end_date = start_date, end_date
    campaign.year, campaign.quarter = quarter_of(start_date)
    campaign.full_clean()
    recorded(campaign, user=user, why="Dates moved on the plan").save(
        update_fields=["start_date", "end_date", "year", "quarter"]
    )
    return campaign


@transaction.atomic
def campaign_submit(*, campaign: Campaign, user: AbstractBaseUser) -> Campaign:
    campaign = _locked(campaign)
    campaign.status = check_transition(campaign, "submit")
    if not campaign.treatments.exists():
        raise CampaignError("Add at least one treatment before submitting the campaign.")
    campaign.rejection_reason = ""
    campaign.save(update_fields=["status", "rejection_reason"])
    return campaign


@transaction.atomic
def campaign_approve(*, campaign: Campaign, user: AbstractBaseUser, comment: str = "") -> Campaign:
    """Approve a submitted campaign. A second person approves: never the campaign's creator, whatever their role."""
    campaign = _locked(campaign)
    campaign.status = check_transition(campaign, "approve")
    if campaign.owner_id is not None and campaign.owner_id == user.pk:
        raise CampaignError(
            f"You created {campaign.name}, so someone else approves it: its portfolio's owner or a manager."
        )
    # Approval spends a portfolio's money: it is a manager's or the portfolio owner's, never a superuser's as such.
    owns_portfolio = campaign.portfolio is not None and campaign.portfolio.owner_id == user.pk
    if not (owns_portfolio or is_manager(user)):
        approver = campaign.portfolio.owner if campaign.portfolio else "its portfolio's owner"
        raise CampaignError(f"{campaign.name} is approved by {approver} or a manager.")
    campaign.approved_by, campaign.approved_at, campaign.approval_comment = user, timezone.now(), comment
    if campaign.builds.exists():
        campaign.status = Status.AUDIENCE_BUILT
    campaign.save(update_fields=["status", "approved_by", "approved_at", "approval_comment"])
    return campaign


@transaction.atomic
def campaign_reject(*, campaign: Campaign, user: AbstractBaseUser, reason: str) -> Campaign:
    if not reason.strip():
        raise CampaignError("Say why the campaign goes back to draft.")
    campaign = _locked(campaign)
    campaign.status = check_transition(campaign, "reject")
    campaign.rejection_reason = reason.strip()
    campaign.save(update_fields=["status", "rejection_reason"])
    return campaign


@transaction.atomic
def campaign_start_measuring(*, campaign: Campaign) -> Campaign:
    campaign = _locked(campaign)
    campaign.status = check_transition(campaign, "start_measuring")
    campaign.save(update_fields=["status"])
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, user: AbstractBaseUser) -> Campaign:
    campaign = _locked(campaign)
    campaign.status = check_transition(campaign, "close")
    campaign.save(update_fields=["status"])
    return campaign


def contact_policy() -> ContactPolicy:
    policy, _ = ContactPolicy.objects.get_or_create(pk=1)
    return policy


@transaction.atomic
def contact_policy_update(
    *, channel_caps: dict[str, tuple[int, int] | None] | None = None, **fields: Any
) -> ContactPolicy:
    """Change the policy; `channel_caps` gives a channel (at most so many contacts, in so many days), or None to
    leave the channel with only the overall cap. Channels it does not name keep their caps."""
    policy = ContactPolicy.objects.select_for_update().get(pk=contact_policy().pk)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    for channel, cap in (channel_caps or {}).items():
        if channel not in Channel.values:
            raise CampaignError(f"There is no channel called {channel!r}.")
        _channel_cap_set(channel, cap)
    return policy


def _channel_cap_set(channel: str, cap: tuple[int, int] | None) -> None:
    existing = ChannelCap.objects.filter(channel=channel).first()
    if cap is None:
        if existing:
            existing.delete()
        return
    row = existing or ChannelCap(channel=channel)
    if (row.max_contacts, row.window_days) == cap:
        return
    row.max_contacts, row.window_days = cap
    row.full_clean()
    row.save()
