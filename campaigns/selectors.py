"""Reads: campaigns for lists and pages, audiences, the contact files, the policy in words, the suppression list."""

from collections.abc import Iterator
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone

from campaigns.models import (
    AllocationRun,
    AudienceBuild,
    AudienceMember,
    Campaign,
    Channel,
    ChannelCap,
    ContactHistory,
    ContactPolicy,
    Suppression,
    Treatment,
)
from core.lib.money import format_cents
from core.models import Job
from core.selectors import jobs_visible_to

# The fields each channel needs to reach a customer.
CONTACT_FIELDS = {
    "email": [("email", "customer__email")],
    "sms": [("phone", "customer__phone")],
    "push": [],
    "direct_mail": [
        ("address", "customer__address"),
        ("postcode", "customer__postcode"),
        ("city", "customer__city"),
        ("region", "customer__region"),
    ],
    "in_store": [("home_store", "customer__home_store__code")],
    "web": [],
}


def campaigns_list(*, status: str = "", owner=None) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.select_related("portfolio", "owner").annotate(treatment_count=Count("treatments"))
    if status:
        campaigns = campaigns.filter(status=status)
    if owner is not None:
        campaigns = campaigns.filter(owner=owner)
    return campaigns


# What the campaign list shows of a campaign's treatments, as two subqueries written out: counted by the ORM
# (a GROUP BY every column of the campaign, its portfolio and its owner) and prefetched (a second query, a model
# for every treatment), they cost the page more than the rest of it.
_TREATMENTS, _CAMPAIGNS = Treatment._meta.db_table, Campaign._meta.db_table
TREATMENT_COUNT = f"(SELECT count(*) FROM {_TREATMENTS} t WHERE t.campaign_id = {_CAMPAIGNS}.id)"
TREATMENT_CHANNELS = f"""ARRAY(
    SELECT DISTINCT reached FROM {_TREATMENTS} t, unnest(array_prepend(t.channel, t.also_channels)) reached
    WHERE t.campaign_id = {_CAMPAIGNS}.id
)"""


def campaigns_for_grid() -> QuerySet[Campaign]:
    """Every campaign (each role sees them all), with how many treatments it has and every channel they use."""
    return Campaign.objects.select_related("portfolio", "owner").annotate(
        treatment_count=RawSQL(TREATMENT_COUNT, ()), treatment_channels=RawSQL(TREATMENT_CHANNELS, ())
    )


def campaign_get(campaign_id: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.select_related("portfolio__owner", "portfolio__stage", "owner", "approved_by"), pk=campaign_id
    )


def latest_build(campaign: Campaign) -> AudienceBuild | None:
    return campaign.builds.first()


def audience_sizes(campaign: Campaign) -> dict[int, dict[str, int]]:
    rows = (
        AudienceMember.objects.filter(campaign=campaign)
        .values("treatment_id")
        .annotate(
            treatment=Count("customer", filter=Q(is_control=False)),
            control=Count("customer", filter=Q(is_control=True)),
        )
    )
    return {row["treatment_id"]: {"treatment": row["treatment"], "control": row["control"]} for row in rows}


def contact_channels(campaign: Campaign) -> list[dict]:
    rows = (
        ContactHistory.objects.filter(campaign=campaign)
        .values("channel")
        .annotate(contacts=Count("id"))
        .order_by("channel")
    )
    return [{**row, "label": Channel(row["channel"]).label} for row in rows]


def contact_file_rows(campaign: Campaign, channel: str) -> Iterator[list]:
    """The contact file for one channel: a header, then one row per contacted customer.

    It is read by the channel's systems, so values go out exactly as held: text a spreadsheet would run was
    refused where it came in, and a phone number keeps its leading +."""
    extra = CONTACT_FIELDS.get(channel, [])
    # One column per offer a customer may get: a fixed offer fills the first, best offers one each.
    slots_of = {Treatment.OfferStrategy.NONE: lambda t: 0, Treatment.OfferStrategy.FIXED: lambda t: 1}
    slots = max(
        [
            slots_of.get(treatment.offer_strategy, lambda t: t.offers_per_customer)(treatment)
            for treatment in campaign.treatments.filter(Q(channel=channel) | Q(also_channels__contains=[channel]))
        ]
        or [0]
    )
    yield [
        "external_id",
        "name",
        *(name for name, _ in extra),
        "treatment",
        "message",
        "content_ref",
        *(f"offer_{slot}" for slot in range(1, slots + 1)),
        "contacted_at",
    ]
    rows = (
        ContactHistory.objects.filter(campaign=campaign, channel=channel)
        .order_by("customer_id")
        .values_list(
            "customer__external_id",
            "customer__name",
            *(path for _, path in extra),
            "treatment__code",
            "treatment__message_name",
            "treatment__content_ref",
            "offer_codes",
            "contacted_at",
        )
    )
    for row in rows.iterator(chunk_size=10_000):
        *head, offers, contacted_at = row
        offers = [*offers[:slots], *[""] * (slots - len(offers))]
        yield [*head, *offers, contacted_at.isoformat()]


def customer_contacts(customer_id: int, *, limit: int = 50) -> QuerySet[ContactHistory]:
    return (
        ContactHistory.objects.filter(customer_id=customer_id)
        .select_related("campaign", "treatment")
        .order_by("-contacted_at")[:limit]
    )


def campaign_by_reference(reference: str) -> Campaign:
    """The campaign with this id or exact name (case-insensitive); Campaign.DoesNotExist or
    MultipleObjectsReturned when there is not exactly one."""
    if reference.isdigit():
        return Campaign.objects.get(pk=int(reference))
    return Campaign.objects.get(name__iexact=reference)


def latest_allocation(campaign: Campaign) -> AllocationRun | None:
    """The newest published allocation of the campaign's offers (of this audience or an earlier one)."""
    return campaign.allocation_runs.filter(status=AllocationRun.Status.PUBLISHED).order_by("-created_at").first()


def allocation_failure(campaign: Campaign) -> str:
    """Why the campaign's newest allocation failed, in the words of the job or part that stopped it; empty when
    its newest allocation did not fail."""
    newest = campaign.allocation_runs.exclude(status=AllocationRun.Status.RUNNING).order_by("-created_at").first()
    if newest is None or newest.status != AllocationRun.Status.FAILED:
        return ""
    kinds = [Job.Kind.OFFER_ALLOCATION, Job.Kind.OFFER_ALLOCATION_CHUNK]
    parts = Job.objects.filter(kind__in=kinds, params__run_id=newest.pk)
    stopped = parts.filter(status=Job.Status.FAILED).order_by("finished_at").first()
    reason = f" {stopped.title} failed: {stopped.error}" if stopped else ""
    return f"The allocation started {timezone.localtime(newest.created_at):%Y-%m-%d %H:%M} did not finish.{reason}"


def allocation_offer_rows(run: AllocationRun) -> list[dict]:
    """Per offer of a run: given and budget used against its caps, and what one more unit of a binding cap
    would be worth (its dual price), most given first."""
    rows = []
    for row in run.per_offer:
        quantity, budget = row["max_quantity"], row["budget_cap_cents"]
        rows.append(
            {
                **row,
                "quantity_used": row["given"] / quantity if quantity else None,
                "budget_used": row["spent_cents"] / budget if budget else None,
                "worth": _cap_worth(row),
            }
        )
    return sorted(rows, key=lambda row: (-row["given"], row["code"]))


def _cap_worth(row: dict) -> str:
    """The dual price of a binding cap in words, or an empty string for a cap that does not bind."""
    if not row["binding"]:
        return ""
    if row["budget_price"] and row["budget_cap_cents"] is not None and row["max_quantity"] is None:
        return f"each 1.00 more of its budget would add {row['budget_price']:,.2f} of expected value"
    if row["quantity_price_cents"]:
        return f"one more customer allowed would add {row['quantity_price_cents'] / 100:,.2f} of expected value"
    return "binding, worth nothing more at the margin"


def allocation_job_pending(campaign: Campaign, user: AbstractBaseUser) -> Job | None:
    """The user's allocation of this campaign still queued or running, to follow on the page."""
    return (
        jobs_visible_to(user)
        .filter(kind=Job.Kind.OFFER_ALLOCATION, params__campaign_id=campaign.pk)
        .exclude(status__in=Job.FINISHED)
        .order_by("-pk")
        .first()
    )


def _contacts(count: int) -> str:
    return f"{count} contact{'s' if count != 1 else ''}"


def policy_rules(policy: ContactPolicy, caps: dict[str, ChannelCap]) -> list[str]:
    """The rules every audience build applies, in the order it applies them, in words."""
    guarded = [label for value, label in Channel.choices if policy.needs_consent(value)]
    capped = "; ".join(
        f"{_contacts(cap.max_contacts)} on {cap.get_channel_display()} in {cap.window_days} days"
        for cap in caps.values()
    )
    return [
        "Customers on the suppression list are never contacted, whatever their consent.",
        f"The global control group ({float(policy.global_control_share):.1%} of customers) is never contacted.",
        f"{', '.join(guarded) or 'No channel'} reach{'es' if len(guarded) == 1 else ''} only customers who consented "
        "to the channel.",
        "A treatment with a topic leaves out customers who subscribed to topics but not to that one: they opted "
        "out of it. Customers who subscribed to no topic have no preference and stay in.",
        f"Per channel, at most {capped}." if capped else "No channel has a cap of its own.",
        f"Across all channels, at most {_contacts(policy.max_contacts)} in any {policy.window_days} days.",
        "A cap of K contacts in D days counts the contacts sent, and those planned by other campaigns whose "
        "audience is built (submitted, approved or audience built), up to D - 1 days before or after the send "
        "date (the start date, or today once it has passed). A customer who already has K is left out "
        "(fatigue): no D days around the send can then hold more than K.",
        "A campaign released on another day than its build assumed is checked again at release: if its audience "
        "now holds suppressed customers or passes a cap, the release is refused until the audience is rebuilt.",
    ]


def suppressions_list() -> QuerySet[Suppression]:
    return Suppression.objects.select_related("customer", "added_by").order_by("-added_at", "-id")


def release_consequences(campaign: Campaign) -> list[str]:
    """What releasing the campaign now would do, in sentences with its numbers, for the dialog that confirms it."""
    from campaigns.services.release import budget_position, planned_cost_cents

    members = AudienceMember.objects.filter(campaign=campaign)
    per_channel = (
        members.filter(is_control=False).values("treatment__channel").annotate(contacts=Count("customer"))
    ).order_by("treatment__channel")
    contacts = sum(row["contacts"] for row in per_channel)
    control = members.filter(is_control=True).count()
    files = [
        f"{Channel(row['treatment__channel']).label} ({_plural(row['contacts'], 'contact')})" for row in per_channel
    ]
    sentences = [
        f"Write {_plural(contacts, 'contact')} to the contact history, one per treated customer: the evidence "
        f"its results rely on, which cannot be taken back. {_plural(control, 'customer')} of the control group "
        "are never contacted.",
        f"Make {_plural(len(files), 'contact file')} to send: {', '.join(files) or 'none'}.",
    ]
    if campaign.portfolio_id:
        position = budget_position(portfolio_id=campaign.portfolio_id, year=campaign.year, quarter=campaign.quarter)
        planned = planned_cost_cents(campaign)
        sentences.append(
            f"Commit {format_cents(planned)} of the {campaign.quarter_label} budget of {campaign.portfolio} "
            f"({format_cents(position['budget'])}), leaving {format_cents(position['remaining'] - planned)}."
        )
    return sentences


def close_consequences(campaign: Campaign) -> list[str]:
    """What closing the campaign would do, in sentences with its numbers."""
    windows = campaign.treatments.aggregate(days=Max("response_window_days"))["days"] or 0
    sentences = [
        "Stop the nightly measurement: its results keep the last version computed.",
        f"Keep its {_plural(campaign.contacts.count(), 'contact')} in the contact history and its "
        f"{format_cents(campaign.committed_cents)} charged to the {campaign.quarter_label} budget of "
        f"{campaign.portfolio or 'no portfolio'}.",
    ]
    if campaign.released_at:
        window_ends = timezone.localtime(campaign.released_at).date() + timedelta(days=windows)
        if window_ends > timezone.localdate():
            sentences.append(
                f"Its response window is open until {window_ends:%d %b %Y}: responses after today are not counted."
            )
    return sentences


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def cancel_consequences(campaign: Campaign) -> list[str]:
    members = AudienceMember.objects.filter(campaign=campaign).count()
    return [
        "Stop it for good: it is never released, and no customer is contacted.",
        f"Keep its plan, {_plural(campaign.treatments.count(), 'treatment')} and "
        f"{_plural(members, 'audience member')} for the record; it spends none of its budget.",
    ]


def delete_consequences(campaign: Campaign) -> list[str]:
    members = AudienceMember.objects.filter(campaign=campaign).count()
    return [
        f"Remove the draft, its {_plural(campaign.treatments.count(), 'treatment')} and "
        f"{_plural(members, 'audience member')}; its history keeps who deleted it and when.",
    ]
