"""Importing a campaign measured elsewhere: who was in it, in which treatment, treatment or control, and when.

The file's campaigns and treatments are created the first time they appear;
its members join the campaign's audience and its treated members its contact
history. Results then come from the imported purchases and events, as for any
campaign. Importing the same file again changes nothing.
"""

from datetime import timedelta

import numpy as np
import pandas as pd
from django.db import connection

from campaigns.models import AudienceMember, Campaign, Channel, ContactHistory, Treatment
from core.lib import tables
from customers.imports.kinds import Kind, References, _column, _customer_ids, _instants
from customers.imports.loading import Counts
from customers.imports.problems import ImportRefused, Problems
from customers.imports.source import Batch
from customers.models import Customer
from segments.models import CustomerFeatures

CELLS = {"treatment": False, "control": True}
LOAD_COLUMNS = (
    "customer_id bigint, campaign text, treatment text, is_control boolean, contacted_at timestamptz, "
    "channel text, cost_per_contact_cents bigint, file_row bigint"
)


def prepare_contacts(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    out["customer_id"] = _customer_ids(batch, refs, problems)
    for name, length in (("campaign", 160), ("treatment", 16)):
        column = _column(batch, name, problems)
        column.require()
        out[name] = column.text(max_length=length)
    cell = _column(batch, "cell", problems)
    cell.require()
    cells = cell.values.str.lower()
    cell.flag(~cell.empty & ~cells.isin(list(CELLS)).to_numpy(), "is neither treatment nor control")
    out["is_control"] = (cells == "control").to_numpy()
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
        out["cost_per_contact_cents"] = pd.array(np.where(np.isfinite(cents), cents, np.nan), dtype="Int64")
    out["file_row"] = batch.rows  # to name the rows of a customer listed twice, found once the file is loaded
    return out


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
        cursor.execute(f"SELECT campaign, min(contacted_at), max(contacted_at) FROM {load} GROUP BY 1")
        campaigns = {name: _campaign(name, first, last) for name, first, last in cursor.fetchall()}
        cursor.execute(
            f"SELECT campaign, treatment, min(channel), max(cost_per_contact_cents) FROM {load} GROUP BY 1, 2"
        )
        for name, code, channel, cost in cursor.fetchall():
            treatment, _ = Treatment.objects.get_or_create(
                campaign=campaigns[name],
                code=code,
                defaults={"channel": channel, "message_name": code, "holdout_share": 0},
            )
            if cost is not None and treatment.cost_per_contact_cents != cost:
                Treatment.objects.filter(pk=treatment.pk).update(cost_per_contact_cents=cost)
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
    tables.analyze(AudienceMember._meta.db_table, ContactHistory._meta.db_table)
    return Counts(loaded=loaded, new=changed, replaced=0, unchanged=loaded - changed, strategy="contacts")


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
    ("channel", "cost_per_contact"),
    prepare_contacts,
    load_columns=LOAD_COLUMNS,
    merge=merge_contacts,
)
