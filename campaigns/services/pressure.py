"""Contact pressure: how many contacts each customer has near a send date, released or planned.

A customer may have at most `max_contacts` contacts in any `window_days` days
across all channels, and at most a channel's cap on that channel. A contact on
day S breaks a cap of K in D days when some D-day window holding S would hold
more than K contacts. Every such window lies within [S - D + 1, S + D - 1], so
the check counts the contacts in that span and allows the new one only while
they are fewer than K. It is stricter than sliding every window across the span
(two contacts at its two ends are 2D - 2 days apart and never share a window),
but it needs one count per customer and it never lets a later campaign, built
or released on either side of this one, push anybody past a cap.

The contacts counted are the contact history (released campaigns, and imported
ones) and the treated members of other campaigns whose audience is built and
that wait to be sent: submitted, approved or audience built. A planned campaign
goes out on its start date, or today if that has passed, as a release would.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from campaigns.models import AudienceMember, Campaign, Channel, ChannelCap, ContactHistory, ContactPolicy, Treatment

PLANNED = [Campaign.Status.SUBMITTED, Campaign.Status.APPROVED, Campaign.Status.AUDIENCE_BUILT]
# Builds and releases of every campaign take this transaction lock before they count contacts, and keep it
# until they commit: the second of two builds counts the first one's members.
PRESSURE_LOCK = 0x43445052  # "CDPR"

PRESSURE_SQL = f"""
    SELECT customer_id,
           count(*) FILTER (WHERE day BETWEEN %(overall_first)s AND %(overall_last)s) AS overall
           {{channel_columns}}
    FROM (
        SELECT h.customer_id, h.channel, (h.contacted_at AT TIME ZONE %(time_zone)s)::date AS day
        FROM {ContactHistory._meta.db_table} h
        WHERE h.contacted_at >= %(pressure_from)s AND h.contacted_at < %(pressure_until)s
        UNION ALL
        SELECT m.customer_id, reached.channel, greatest(pc.start_date, %(today)s) AS day
        FROM {Campaign._meta.db_table} pc
        JOIN {AudienceMember._meta.db_table} m ON m.campaign_id = pc.id
        JOIN {Treatment._meta.db_table} t ON t.id = m.treatment_id
        CROSS JOIN LATERAL unnest(coalesce(m.channels, ARRAY[t.channel]::varchar[])) AS reached (channel)
        WHERE m.campaign_id = ANY(%(planned_campaigns)s::bigint[]) AND NOT m.is_control
          AND greatest(pc.start_date, %(today)s) BETWEEN %(pressure_first)s AND %(pressure_last)s
    ) contact
    GROUP BY customer_id
"""


def lock(cursor: CursorWrapper) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": PRESSURE_LOCK})


def channel_caps() -> dict[str, ChannelCap]:
    """The caps by channel; channel names reach SQL text, so only the known ones are read."""
    return {cap.channel: cap for cap in ChannelCap.objects.filter(channel__in=Channel.values)}


def send_date(campaign: Campaign) -> date:
    """The day a campaign's contacts go out if it is released now: its start, or today once it has started."""
    return max(campaign.start_date, timezone.localdate())


def pressure(
    *, campaign: Campaign, on: date, policy: ContactPolicy, caps: dict[str, ChannelCap]
) -> tuple[str, dict[str, Any]]:
    """A SELECT of customer_id, overall and on_<channel> per capped channel: each customer's contacts in the
    spans around `on` that the overall cap and each channel's cap look at, other than `campaign`'s own."""
    reach = max([policy.window_days, *(cap.window_days for cap in caps.values())])
    # Named by id, so that only those campaigns' partitions of the members table are read (and locked).
    planned = Campaign.objects.filter(status__in=PLANNED).exclude(pk=campaign.pk).values_list("pk", flat=True)
    params: dict[str, Any] = {
        "time_zone": timezone.get_current_timezone_name(),
        "today": timezone.localdate(),
        "planned_campaigns": list(planned),
        "pressure_first": on - timedelta(days=reach - 1),
        "pressure_last": on + timedelta(days=reach - 1),
        "pressure_from": _midnight(on - timedelta(days=reach - 1)),
        "pressure_until": _midnight(on + timedelta(days=reach)),
        "overall_first": on - timedelta(days=policy.window_days - 1),
        "overall_last": on + timedelta(days=policy.window_days - 1),
    }
    columns = []
    for channel, cap in caps.items():
        columns.append(
            f", count(*) FILTER (WHERE channel = %(cap_{channel})s "
            f"AND day BETWEEN %(cap_{channel}_first)s AND %(cap_{channel}_last)s) AS on_{channel}"
        )
        params |= {
            f"cap_{channel}": channel,
            f"cap_{channel}_first": on - timedelta(days=cap.window_days - 1),
            f"cap_{channel}_last": on + timedelta(days=cap.window_days - 1),
            f"cap_{channel}_max": cap.max_contacts,
        }
    return PRESSURE_SQL.format(channel_columns="\n".join(columns)), params


def over_channel_cap(caps: dict[str, ChannelCap], *, channel: str, counted: str) -> str:
    """A condition: the contacts `counted` (an alias of the pressure) already fill the cap of `channel`."""
    if not caps:
        return "FALSE"
    cases = " ".join(
        f"WHEN '{cap_channel}' THEN coalesce({counted}.on_{cap_channel}, 0) >= %(cap_{cap_channel}_max)s"
        for cap_channel in caps
    )
    return f"CASE {channel} {cases} ELSE FALSE END"


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
