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

from campaigns.models import AudienceMember, Campaign, Channel, ChannelCap, ContactHistory, ContactPolicy

PLANNED = [Campaign.Status.SUBMITTED, Campaign.Status.APPROVED, Campaign.Status.AUDIENCE_BUILT]
# Builds and releases of every campaign take this transaction lock before they count contacts, and keep it
# until they commit: the second of two builds counts the first one's members.
PRESSURE_LOCK = 0x43445052  # "CDPR"

# Each row is one contact (history) or one planned member, who is contacted once per channel they are reached on:
# it carries its number of contacts and, per capped channel, whether one of them is on that channel. So a planned
# member is one row, with no list to unnest and no join to its campaign or treatment (read beforehand, below).
PRESSURE_SQL = f"""
    SELECT customer_id,
           sum(contacts) FILTER (WHERE day BETWEEN %(overall_first)s AND %(overall_last)s) AS overall
           {{channel_columns}}
    FROM (
        SELECT h.customer_id, (h.contacted_at AT TIME ZONE %(time_zone)s)::date AS day, 1 AS contacts
               {{history_channels}}
        FROM {ContactHistory._meta.db_table} h
        WHERE h.contacted_at >= %(pressure_from)s AND h.contacted_at < %(pressure_until)s
        {{planned}}
    ) contact
    GROUP BY customer_id
"""
# One campaign's treated members, all sent on `day`; a member of a treatment on one channel keeps no list of
# channels (NULL): the treatment's channel stands in, from a CASE written out per treatment of the campaign.
PLANNED_SQL = f"""
        UNION ALL
        SELECT m.customer_id, %({{day}})s::date, cardinality(m.reached) {{member_channels}}
        FROM (SELECT customer_id, coalesce(channels, CASE treatment_id {{treatments}} END) AS reached
              FROM {AudienceMember._meta.db_table}
              WHERE campaign_id = %({{campaign}})s AND NOT is_control) m
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
    first, last = on - timedelta(days=reach - 1), on + timedelta(days=reach - 1)
    params: dict[str, Any] = {
        "time_zone": timezone.get_current_timezone_name(),
        "pressure_from": _midnight(first),
        "pressure_until": _midnight(on + timedelta(days=reach)),
        "overall_first": on - timedelta(days=policy.window_days - 1),
        "overall_last": on + timedelta(days=policy.window_days - 1),
    }
    columns, history_channels, member_channels = [], [], []
    for channel, cap in caps.items():
        columns.append(
            f", sum(on_{channel}) FILTER (WHERE day BETWEEN %(cap_{channel}_first)s AND %(cap_{channel}_last)s) "
            f"AS on_{channel}"
        )
        history_channels.append(f", (h.channel = %(cap_{channel})s)::integer AS on_{channel}")
        member_channels.append(f", (%(cap_{channel})s = ANY(m.reached))::integer")
        params |= {
            f"cap_{channel}": channel,
            f"cap_{channel}_first": on - timedelta(days=cap.window_days - 1),
            f"cap_{channel}_last": on + timedelta(days=cap.window_days - 1),
            f"cap_{channel}_max": cap.max_contacts,
        }
    planned = []
    for number, (planned_campaign, day) in enumerate(_planned(campaign, first=first, last=last)):
        treatments = list(planned_campaign.treatments.all())
        if not treatments:  # no treatment, no members
            continue
        for treatment in treatments:
            params[f"planned_{number}_{int(treatment.pk)}"] = treatment.channels
        planned.append(
            PLANNED_SQL.format(
                day=f"planned_{number}_day",
                campaign=f"planned_{number}",
                treatments=" ".join(
                    f"WHEN {int(t.pk)} THEN %(planned_{number}_{int(t.pk)})s::varchar[]" for t in treatments
                ),
                member_channels=" ".join(member_channels),
            )
        )
        params |= {f"planned_{number}": planned_campaign.pk, f"planned_{number}_day": day}
    statement = PRESSURE_SQL.format(
        channel_columns="\n".join(columns), history_channels=" ".join(history_channels), planned="".join(planned)
    )
    return statement, params


def _planned(campaign: Campaign, *, first: date, last: date) -> list[tuple[Campaign, date]]:
    """The other campaigns waiting to be sent on a day from `first` to `last`, each with that day."""
    waiting = Campaign.objects.filter(status__in=PLANNED).exclude(pk=campaign.pk).prefetch_related("treatments")
    sent_on = ((planned, send_date(planned)) for planned in waiting.only("pk", "start_date").order_by("pk"))
    return [(planned, day) for planned, day in sent_on if first <= day <= last]


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
