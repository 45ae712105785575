"""Responses matched to every contacted audience member in SQL, read into one frame with COPY.

A member responds with a purchase (of any kind, in a category, redeeming a
code) or an engagement event, as the treatment defines a response, inside the
treatment's response window, which opens on the contact date; control members
are measured from the same date. The money and orders counted are every
purchase in the window, whatever the response definition.

A control group shared by all treatments is measured once per treatment, by
that treatment's definition and window: its members appear once per treatment
in the frame, each copy compared with that treatment only.
"""

import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection

from campaigns.models import AudienceMember, Campaign, ContactHistory, Treatment
from customers.models import EngagementEvent, Purchase
from offers.models import Offer
from reporting.statistics import MEMBER_COLUMNS

MEMBERS_SQL = f"""
WITH sent AS (
    SELECT h.customer_id, array_agg(DISTINCT code) AS codes
    FROM {ContactHistory._meta.db_table} h CROSS JOIN LATERAL jsonb_array_elements_text(h.offer_codes) AS code
    WHERE h.campaign_id = %(campaign)s
    GROUP BY h.customer_id
), members AS NOT MATERIALIZED (
    SELECT m.customer_id, t.id AS treatment_id, m.is_control, coalesce(m.stage_id, 0) AS stage_id,
           m.contacted_on::timestamptz AS opens, m.contacted_on::timestamptz + t.response_window_days * interval '1 day'
               AS closes,
           t.response_kind, t.response_category_id, t.response_offer_code, t.response_event_kind,
           coalesce(nullif(t.offer_code, ''), t.response_offer_code) AS redeemed_code,
           t.offer_strategy = 'best_n' AS best, t.cost_per_redemption_cents AS fixed_cost,
           -- The codes the member was sent (a treated member's own contact; control members were sent none).
           coalesce(sent.codes, '{{}}') AS codes,
           array_to_string(coalesce(m.channels, ARRAY[t.channel]::varchar[]), '+') AS channels
    FROM {AudienceMember._meta.db_table} m
    JOIN {Treatment._meta.db_table} t ON t.campaign_id = m.campaign_id
         AND (t.id = m.treatment_id OR (%(shared)s AND m.is_control))
    LEFT JOIN sent ON sent.customer_id = m.customer_id AND NOT m.is_control
    WHERE m.campaign_id = %(campaign)s AND m.contacted_on IS NOT NULL
), bought AS (
    -- Every purchase in the window counts as money and orders; the response definition only says which of
    -- them make the member a responder (a return never does).
    SELECT mb.customer_id, mb.treatment_id,
           count(DISTINCT p.order_ref) FILTER (WHERE p.quantity > 0) AS orders,
           sum(p.revenue_cents) AS revenue_cents, sum(p.margin_cents) AS margin_cents,
           -- Lines imported without a margin add their revenue but no margin: counted, to be said.
           coalesce(sum(p.revenue_cents) FILTER (WHERE p.margin_cents IS NULL), 0) AS unmargined_cents,
           count(DISTINCT p.order_ref) FILTER (WHERE p.quantity > 0 AND p.offer_code <> ''
                                                 AND (p.offer_code = mb.redeemed_code OR p.offer_code = ANY(mb.codes)))
               AS redemptions,
           min(p.purchased_at) FILTER (WHERE p.quantity > 0 AND (
               mb.response_kind = 'purchase'
               OR (mb.response_kind = 'category' AND p.category_id = mb.response_category_id)
               OR (mb.response_kind = 'offer_code'
                   AND (p.offer_code = mb.response_offer_code OR (mb.best AND p.offer_code = ANY(mb.codes))))
           )) AS first_at
    FROM members mb
    JOIN {Purchase._meta.db_table} p ON p.customer_id = mb.customer_id
         AND p.purchased_at >= mb.opens AND p.purchased_at < mb.closes
    WHERE p.purchased_at >= %(opens)s AND p.purchased_at < %(closes)s
    GROUP BY mb.customer_id, mb.treatment_id
), offer_costs AS (
    -- Each best offer redeemed costs what that offer costs, once per order that redeems it.
    SELECT r.customer_id, r.treatment_id, sum(o.cost_per_redemption_cents) AS offer_cost_cents
    FROM (SELECT DISTINCT mb.customer_id, mb.treatment_id, p.order_ref, p.offer_code
          FROM members mb
          JOIN {Purchase._meta.db_table} p ON p.customer_id = mb.customer_id
               AND p.purchased_at >= mb.opens AND p.purchased_at < mb.closes
          WHERE mb.best AND p.quantity > 0 AND p.offer_code = ANY(mb.codes)
            AND p.purchased_at >= %(opens)s AND p.purchased_at < %(closes)s) r
    JOIN {Offer._meta.db_table} o ON o.code = r.offer_code
    GROUP BY r.customer_id, r.treatment_id
), engaged AS (
    SELECT mb.customer_id, mb.treatment_id, min(e.occurred_at) AS first_at, count(*) AS events
    FROM members mb
    JOIN {EngagementEvent._meta.db_table} e ON e.customer_id = mb.customer_id
         AND e.occurred_at >= mb.opens AND e.occurred_at < mb.closes AND e.kind = mb.response_event_kind
    WHERE mb.response_kind = 'event' AND e.occurred_at >= %(opens)s AND e.occurred_at < %(closes)s
    GROUP BY mb.customer_id, mb.treatment_id
)
SELECT mb.customer_id, mb.treatment_id, mb.is_control, mb.stage_id,
       CASE WHEN mb.response_kind = 'event' THEN e.first_at IS NOT NULL ELSE b.first_at IS NOT NULL END
           AS responded,
       coalesce(b.orders, 0), coalesce(b.revenue_cents, 0), coalesce(b.margin_cents, 0), coalesce(b.redemptions, 0),
       floor(extract(epoch FROM CASE WHEN mb.response_kind = 'event' THEN e.first_at ELSE b.first_at END - mb.opens)
             / 86400)::int AS response_day,
       coalesce(e.events, 0), coalesce(b.unmargined_cents, 0),
       CASE WHEN mb.best THEN coalesce(oc.offer_cost_cents, 0) ELSE coalesce(b.redemptions, 0) * mb.fixed_cost END,
       mb.channels
FROM members mb
LEFT JOIN bought b ON b.customer_id = mb.customer_id AND b.treatment_id = mb.treatment_id
LEFT JOIN engaged e ON e.customer_id = mb.customer_id AND e.treatment_id = mb.treatment_id
LEFT JOIN offer_costs oc ON oc.customer_id = mb.customer_id AND oc.treatment_id = mb.treatment_id
"""
# The first and last moment any member's window covers: a plain range on the purchase and event times that
# lets PostgreSQL skip the rest of the history before it matches rows to members.
WINDOW_SQL = f"""
SELECT min(m.contacted_on)::timestamptz,
       max(m.contacted_on::timestamptz + t.response_window_days * interval '1 day')
FROM {AudienceMember._meta.db_table} m
JOIN {Treatment._meta.db_table} t ON t.campaign_id = m.campaign_id
     AND (t.id = m.treatment_id OR (%(shared)s AND m.is_control))
WHERE m.campaign_id = %(campaign)s AND m.contacted_on IS NOT NULL
"""


def members_frame(campaign: Campaign) -> pd.DataFrame:
    """One row per contacted audience member with what they did in the response window (read with COPY)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        params = {"campaign": campaign.pk, "shared": campaign.shares_control}
        cursor.execute(WINDOW_SQL, params)
        opens, closes = cursor.fetchone()
        if opens is None:
            return pd.DataFrame(columns=MEMBER_COLUMNS)
        statement = cursor.mogrify(MEMBERS_SQL, {**params, "opens": opens, "closes": closes}).decode()
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame(columns=MEMBER_COLUMNS)
    table = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=MEMBER_COLUMNS),
        # PostgreSQL writes booleans as t and f.
        convert_options=pa_csv.ConvertOptions(
            column_types={"is_control": pa.bool_(), "responded": pa.bool_(), "response_day": pa.float64()},
            true_values=["t"],
            false_values=["f"],
        ),
    )
    return table.to_pandas()


# Every offer code each treated member was sent, and whether they redeemed it inside the treatment's window.
OFFERS_SQL = f"""
SELECT h.customer_id, h.treatment_id, sent.offer_code,
       EXISTS (SELECT 1 FROM {Purchase._meta.db_table} p
               WHERE p.customer_id = h.customer_id AND p.offer_code = sent.offer_code AND p.quantity > 0
                 AND p.purchased_at >= m.contacted_on::timestamptz
                 AND p.purchased_at < m.contacted_on::timestamptz + t.response_window_days * interval '1 day')
FROM {ContactHistory._meta.db_table} h
CROSS JOIN LATERAL jsonb_array_elements_text(h.offer_codes) AS sent(offer_code)
JOIN {Treatment._meta.db_table} t ON t.id = h.treatment_id
JOIN {AudienceMember._meta.db_table} m ON m.campaign_id = h.campaign_id AND m.customer_id = h.customer_id
WHERE h.campaign_id = %(campaign)s
"""
OFFER_COLUMNS = ["customer_id", "treatment_id", "code", "redeemed"]


def offers_frame(campaign: Campaign) -> pd.DataFrame:
    """One row per offer sent to a treated member, with whether they redeemed it in the window."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(OFFERS_SQL, {"campaign": campaign.pk}).decode()
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in OFFER_COLUMNS})
    buffer.seek(0)
    table = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=OFFER_COLUMNS),
        convert_options=pa_csv.ConvertOptions(
            column_types={"redeemed": pa.bool_(), "code": pa.string()}, true_values=["t"], false_values=["f"]
        ),
    )
    return table.to_pandas()
