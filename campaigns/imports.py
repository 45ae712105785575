"""Importing a campaign measured elsewhere: who was in it, in which treatment, treatment or control, and when.

The file's campaigns and treatments are created the first time they appear;
its members join the campaign's audience and its treated members its contact
history. Results then come from the imported purchases and events, as for any
campaign. Importing the same file again changes nothing.

Control rows that name no treatment make one control group shared by all the
campaign's treatments, as in a test of several versions against one holdout.

A file may also say what counts as a response to each treatment and for how
many days (the response columns). They describe the treatment, so every row of
a treatment must say the same; a treatment whose rows leave them empty keeps
its definition (any purchase within 30 days for a new one), and a file that
gives a new one changes it.
"""

from datetime import timedelta

import numpy as np
import pandas as pd
from django.db import connection
from django.db.backends.utils import CursorWrapper

from campaigns.models import AudienceMember, Campaign, Channel, ContactHistory, Treatment
from campaigns.services.members import members_partition
from core.lib import tables
from core.lib.bounds import MAX_UNIT_CENTS
from core.lib.money import format_cents
from customers.imports.kinds import Kind, References, _as_int, _column, _customer_ids, _instants
from customers.imports.loading import Counts
from customers.imports.problems import ImportRefused, Problems
from customers.imports.source import Batch
from customers.models import Customer, EngagementEvent
from segments.models import CustomerFeatures

CELLS = {"treatment": False, "control": True}
LOAD_COLUMNS = (
    "customer_id bigint, campaign text, treatment text, is_control boolean, contacted_at timestamptz, "
    "channel text, cost_per_contact_cents bigint, response_kind text, response_category text, "
    "response_category_id bigint, response_offer_code text, response_event_kind text, response_window_days integer, "
    "file_row bigint"
)
Response = Treatment.Response
# What people write for each kind of response, lower case with spaces for - and _: the stored value, its label,
# and the short words a spreadsheet would carry.
RESPONSE_WORDS = {
    **{value.replace("_", " "): value for value in Response.values},
    **{label.lower(): value for value, label in Response.choices},
    "any purchase": Response.PURCHASE,
    "category purchase": Response.CATEGORY,
    "purchase in category": Response.CATEGORY,
    "offer": Response.OFFER_CODE,
    "coupon": Response.OFFER_CODE,
    "redemption": Response.OFFER_CODE,
    "engagement event": Response.EVENT,
}
# The detail each kind of response needs, in the file's column names.
RESPONSE_DETAILS = {
    Response.CATEGORY: ("response_category", "the category whose purchases count"),
    Response.OFFER_CODE: ("response_offer_code", "the offer code whose redemptions count"),
    Response.EVENT: ("response_event_kind", "the kind of event that counts"),
}
# The columns every row of one treatment must agree on, as the load table holds them.
DEFINITION_COLUMNS = (
    "response_kind",
    "response_category",
    "response_offer_code",
    "response_event_kind",
    "response_window_days",
)
MAX_WINDOW_DAYS = 32_767


def prepare_contacts(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    out["customer_id"] = _customer_ids(batch, refs, problems)
    cell = _column(batch, "cell", problems)
    cell.require()
    cells = cell.values.str.lower()
    cell.flag(~cell.empty & ~cells.isin(list(CELLS)).to_numpy(), "is neither treatment nor control")
    out["is_control"] = (cells == "control").to_numpy()
    campaign = _column(batch, "campaign", problems)
    campaign.require()
    out["campaign"] = campaign.text(max_length=160)
    # A control row without a treatment belongs to a control group shared by all the campaign's treatments.
    treatment = _column(batch, "treatment", problems)
    treatment.flag(treatment.empty & ~out["is_control"].to_numpy(), "is empty; a treated row names its treatment")
    out["treatment"] = treatment.text(max_length=16)
    out["contacted_at"] = _instants(batch, "contacted_at", problems)
    out["channel"] = "email"
    if channel := _column(batch, "channel", problems):
        given = channel.values.str.lower()
        channel.flag(
            ~channel.empty & ~given.isin(Channel.values).to_numpy(), f"is not a channel ({', '.join(Channel.values)})"
        )
        out["channel"] = given.where(~channel.empty, "email")
    out["cost_per_contact_cents"] = pd.array([None] * len(out), dtype="Int64")
    if cost := _column(batch, "cost_per_contact", problems):
        cents = cost.cents()
        cost.flag(cents < 0, "is negative")
        cost.flag(cents > MAX_UNIT_CENTS, f"is more than {format_cents(MAX_UNIT_CENTS)} for one contact")
        out["cost_per_contact_cents"] = _as_int(cents)
    _prepare_response(batch, refs, problems, out)
    out["file_row"] = batch.rows  # to name the rows of a customer listed twice, found once the file is loaded
    return out


def _prepare_response(batch: Batch, refs: References, problems: Problems, out: pd.DataFrame) -> None:
    """The response columns the file has, checked row by row (whether a treatment's rows agree is seen at merge)."""
    no_rows = np.zeros(len(out), dtype=bool)
    kinds = pd.Series("", index=out.index)
    if kind := _column(batch, "response_kind", problems):
        kinds = kind.values.str.lower().str.replace(r"[\s_-]+", " ", regex=True).map(RESPONSE_WORDS)
        kind.flag(
            ~kind.empty & kinds.isna().to_numpy(),
            "is not a kind of response (any purchase, category, offer code or event)",
        )
        out["response_kind"] = kinds = kinds.fillna("")
    given = {}
    if category := _column(batch, "response_category", problems):
        category_ids = refs.categories.find(category.array)
        category.flag(~category.empty & (category_ids < 0), "is not the code of a known category")
        out["response_category"] = category.values
        out["response_category_id"] = _as_int(np.where(category_ids >= 0, category_ids, np.nan))
        given["response_category"] = ~category.empty
    if offer_code := _column(batch, "response_offer_code", problems):
        out["response_offer_code"] = offer_code.text(max_length=64)
        given["response_offer_code"] = ~offer_code.empty
    if event_kind := _column(batch, "response_event_kind", problems):
        out["response_event_kind"] = event_kinds = event_kind.values.str.lower()
        event_kind.flag(
            ~event_kind.empty & ~event_kinds.isin(EngagementEvent.KINDS).to_numpy(),
            f"is not a known kind of event ({', '.join(EngagementEvent.KINDS)})",
        )
        given["response_event_kind"] = ~event_kind.empty
    for response, (name, detail) in RESPONSE_DETAILS.items():
        problems.flag(
            (kinds == response).to_numpy() & ~given.get(name, no_rows),
            batch.rows,
            name,
            pd.Series("", index=out.index),
            f"is empty; a response by {Response(response).value.replace('_', ' ')} needs {detail}",
        )
    for name, present in given.items():
        problems.flag(
            present & (kinds == "").to_numpy(),
            batch.rows,
            name,
            out[name],
            "is given but response_kind is empty; say which kind of response it details",
        )
    if window := _column(batch, "response_window_days", problems):
        days = window.whole_number()
        window.flag((days < 1) | (days > MAX_WINDOW_DAYS), f"is not a number of days from 1 to {MAX_WINDOW_DAYS:,}")
        out["response_window_days"] = _as_int(np.where((days >= 1) & (days <= MAX_WINDOW_DAYS), days, np.nan))


def _refuse_disagreements(cursor: CursorWrapper, load: str) -> None:
    """Refuse a file whose rows describe one treatment's response in different ways, naming rows and values."""
    values = ", ".join(f"('{name}', coalesce(l.{name}::text, ''))" for name in DEFINITION_COLUMNS)
    cursor.execute(f"""
        WITH given AS (
            SELECT l.campaign, l.treatment, v.name, v.value, array_agg(l.file_row ORDER BY l.file_row) AS rows
            FROM {load} l CROSS JOIN LATERAL (VALUES {values}) AS v(name, value)
            GROUP BY 1, 2, 3, 4
        ), disagreeing AS (
            SELECT *, count(*) OVER (PARTITION BY campaign, treatment, name) AS ways FROM given
        )
        SELECT campaign, treatment, name, value, rows FROM disagreeing WHERE ways > 1
        ORDER BY campaign, treatment, name, rows[1] LIMIT 1000
    """)
    found: dict[tuple[str, str, str], list[tuple[str, list[int]]]] = {}
    for campaign, treatment, name, value, rows in cursor.fetchall():
        found.setdefault((campaign, treatment, name), []).append((value, rows))
    if not found:
        return
    problems = Problems()
    for (campaign, treatment, name), ways in found.items():
        said = " but ".join(f"{value or 'nothing'} on {_rows(rows)}" for value, rows in ways)
        problems.add(
            f"treatment {treatment} of campaign {campaign} has {name} {said}; "
            "every row of a treatment describes its response the same way",
            row=ways[1][1][0],
            column=name,
            value=ways[1][0],
        )
    raise ImportRefused(problems)


def _rows(rows: list[int], shown: int = 5) -> str:
    listed = ", ".join(str(row) for row in rows[:shown])
    more = f" and {len(rows) - shown:,} more" if len(rows) > shown else ""
    return f"row{'s' if len(rows) > 1 else ''} {listed}{more}"


def _response_definition(
    kind: str | None, category_id: int | None, offer_code: str | None, event_kind: str | None, window: int | None
) -> dict[str, object]:
    """The treatment fields the file sets: the whole definition when it names a kind, the window when it gives one."""
    fields: dict[str, object] = {}
    if kind:
        fields |= {
            "response_kind": kind,
            "response_category_id": category_id,
            "response_offer_code": offer_code or "",
            "response_event_kind": event_kind or "",
        }
    if window:
        fields["response_window_days"] = window
    return fields


def merge_contacts(*, load: str, loaded: int) -> Counts:
    """Create the file's campaigns and treatments, then add its members and contacts in two statements."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT l.campaign, c.external_id, array_agg(l.file_row ORDER BY l.file_row)
            FROM {load} l JOIN {Customer._meta.db_table} c ON c.id = l.customer_id
            GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY min(l.file_row) LIMIT 1000
        """)
        repeated = cursor.fetchall()
        if repeated:
            problems = Problems()
            for campaign, external_id, rows in repeated:
                listed = ", ".join(str(row) for row in rows)
                problems.add(
                    f"customer {external_id} is listed more than once in campaign {campaign} (rows {listed}); "
                    "a customer is in one cell of a campaign",
                    row=rows[1],
                    column="customer_id",
                    value=external_id,
                )
            raise ImportRefused(problems)
        _refuse_disagreements(cursor, load)
        shared = _shared_controls(cursor, load)
        cursor.execute(f"SELECT campaign, min(contacted_at), max(contacted_at) FROM {load} GROUP BY 1")
        campaigns = {name: _campaign(name, first, last) for name, first, last in cursor.fetchall()}
        # Each campaign's members in a partition of their own, as a build leaves them (see services/members.py).
        partitions = [members_partition(cursor, campaign.pk) for campaign in campaigns.values()]
        Campaign.objects.filter(pk__in=[campaigns[name].pk for name in shared]).update(
            control_design=Campaign.ControlDesign.SHARED
        )
        cursor.execute(f"""
            SELECT campaign, treatment, min(channel), max(cost_per_contact_cents), max(response_kind),
                   max(response_category_id), max(response_offer_code), max(response_event_kind),
                   max(response_window_days)
            FROM {load} GROUP BY 1, 2
        """)
        for name, code, channel, cost, *response in cursor.fetchall():
            definition = _response_definition(*response)
            treatment, _ = Treatment.objects.get_or_create(
                campaign=campaigns[name],
                code=code,
                defaults={"channel": channel, "message_name": code, "holdout_share": 0, **definition},
            )
            if cost is not None and treatment.cost_per_contact_cents != cost:
                Treatment.objects.filter(pk=treatment.pk).update(cost_per_contact_cents=cost)
            _define_response(treatment, definition)
        joined = f"""
            FROM {load} l
            JOIN {Campaign._meta.db_table} c ON c.name = l.campaign AND c.imported
            JOIN {Treatment._meta.db_table} t ON t.campaign_id = c.id AND t.code = l.treatment
        """
        cursor.execute(f"""
            INSERT INTO {AudienceMember._meta.db_table} (campaign_id, customer_id, treatment_id, is_control,
                                                         contacted_on, stage_id)
            SELECT c.id, l.customer_id, t.id, l.is_control, (l.contacted_at AT TIME ZONE 'UTC')::date, f.stage_id
            {joined}
            LEFT JOIN {CustomerFeatures._meta.db_table} f ON f.customer_id = l.customer_id
            ON CONFLICT (campaign_id, customer_id) DO UPDATE SET treatment_id = EXCLUDED.treatment_id,
                is_control = EXCLUDED.is_control, contacted_on = EXCLUDED.contacted_on
            WHERE ({AudienceMember._meta.db_table}.treatment_id, {AudienceMember._meta.db_table}.is_control,
                   {AudienceMember._meta.db_table}.contacted_on)
                  IS DISTINCT FROM (EXCLUDED.treatment_id, EXCLUDED.is_control, EXCLUDED.contacted_on)
        """)
        changed = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO {ContactHistory._meta.db_table} (customer_id, campaign_id, treatment_id, channel,
                                                         contacted_at, offer_codes)
            SELECT l.customer_id, c.id, t.id, t.channel, l.contacted_at, '[]'::jsonb
            {joined}
            WHERE NOT l.is_control AND NOT EXISTS (
                SELECT 1 FROM {ContactHistory._meta.db_table} h
                WHERE h.customer_id = l.customer_id AND h.contacted_at = l.contacted_at
                  AND h.campaign_id = c.id AND h.treatment_id = t.id)
        """)
        cursor.execute(f"DROP TABLE {load}")
    tables.analyze(*partitions, ContactHistory._meta.db_table)
    return Counts(loaded=loaded, new=changed, replaced=0, unchanged=loaded - changed, strategy="contacts")


def _shared_controls(cursor: CursorWrapper, load: str) -> list[str]:
    """The campaigns whose control rows name no treatment: their control group is shared by all treatments.

    Their control members join the audience under the campaign's first treatment (the results compare every
    treatment with all of them). A campaign whose control rows sometimes name a treatment and sometimes do
    not, or that has no treated row to compare with, is refused.
    """
    cursor.execute(f"""
        SELECT campaign,
               array_agg(file_row ORDER BY file_row) FILTER (WHERE is_control AND coalesce(treatment, '') = '')
                   AS unnamed,
               array_agg(file_row ORDER BY file_row) FILTER (WHERE is_control AND coalesce(treatment, '') <> '')
                   AS named,
               min(treatment) FILTER (WHERE NOT is_control) AS first_treatment
        FROM {load} GROUP BY campaign HAVING bool_or(is_control AND coalesce(treatment, '') = '')
    """)
    problems, shared = Problems(), []
    for campaign, unnamed, named, first_treatment in cursor.fetchall():
        if named:
            problems.add(
                f"campaign {campaign} has control rows without a treatment ({_rows(unnamed)}) and with one "
                f"({_rows(named)}); name the treatment on every control row, or on none when one control "
                "group is shared by all treatments",
                row=unnamed[0],
                column="treatment",
                value="",
            )
        elif first_treatment is None:
            problems.add(
                f"campaign {campaign} has a control group but no treated row to compare it with",
                row=unnamed[0],
                column="cell",
                value="control",
            )
        else:
            shared.append(campaign)
    if problems:
        raise ImportRefused(problems)
    cursor.execute(f"""
        UPDATE {load} l SET treatment = first.treatment
        FROM (SELECT campaign, min(treatment) AS treatment FROM {load} WHERE NOT is_control GROUP BY campaign) first
        WHERE l.campaign = first.campaign AND l.is_control AND coalesce(l.treatment, '') = ''
    """)
    return shared


def _define_response(treatment: Treatment, definition: dict[str, object]) -> None:
    """Save a changed definition through the model, so that the treatment's history shows the change."""
    changed = [name for name, value in definition.items() if getattr(treatment, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(treatment, name, definition[name])
    treatment._change_reason = "Response definition imported"
    treatment.save(update_fields=changed)


def _campaign(name: str, first, last) -> Campaign:
    campaign = Campaign.objects.filter(name=name, imported=True).first()
    if campaign:
        return campaign
    start = first.date()
    return Campaign.objects.create(
        name=name,
        imported=True,
        status=Campaign.Status.MEASURING,
        objective="traffic",
        seed=0,
        year=start.year,
        quarter=(start.month - 1) // 3 + 1,
        start_date=start,
        end_date=max(last.date(), start + timedelta(days=1)),
        description="Imported: run elsewhere, measured here.",
    )


CONTACTS = Kind(
    "contacts",
    AudienceMember,
    "customer_id",
    ("customer_id", "campaign", "treatment", "cell", "contacted_at"),
    ("channel", "cost_per_contact", *DEFINITION_COLUMNS),
    prepare_contacts,
    load_columns=LOAD_COLUMNS,
    merge=merge_contacts,
)
