"""Importing the suppression list: one row per customer never to contact, with the reason.

Customers already on the list keep their row (who added them, why and when);
importing the same file again changes nothing. A file that names a customer
twice, or one the desk does not know, is refused with every such row listed.
"""

import pandas as pd
from django.db import connection

from campaigns.models import Suppression
from core.lib import tables
from customers.imports.kinds import Kind, References, _column, _customer_ids
from customers.imports.loading import Counts
from customers.imports.problems import ImportRefused, Problems
from customers.imports.source import Batch
from customers.models import Customer

REASON_LENGTH = Suppression._meta.get_field("reason").max_length


def prepare_suppressions(batch: Batch, refs: References, problems: Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=batch.frame.index)
    out["customer_id"] = _customer_ids(batch, refs, problems)
    reason = _column(batch, "reason", problems)
    reason.require()
    out["reason"] = reason.text(max_length=REASON_LENGTH)
    out["file_row"] = batch.rows  # to name both rows of a customer listed twice
    return out


def merge_suppressions(*, load: str, loaded: int) -> Counts:
    """Refuse a customer listed twice, then add the customers not yet on the list in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT c.external_id, array_agg(l.file_row ORDER BY l.file_row)
            FROM {load} l JOIN {Customer._meta.db_table} c ON c.id = l.customer_id
            GROUP BY 1 HAVING count(*) > 1 ORDER BY min(l.file_row) LIMIT 1000
        """)
        repeated = cursor.fetchall()
        if repeated:
            problems = Problems()
            for external_id, rows in repeated:
                listed = ", ".join(str(row) for row in rows)
                problems.add(
                    f"customer {external_id} is listed more than once (rows {listed}); give one reason per customer",
                    row=rows[1],
                    column="customer_id",
                    value=external_id,
                )
            raise ImportRefused(problems)
        cursor.execute(f"""
            INSERT INTO {Suppression._meta.db_table} (customer_id, reason, added_by_id, added_at)
            SELECT customer_id, reason, NULL, now() FROM {load}
            ON CONFLICT (customer_id) DO NOTHING
        """)
        added = cursor.rowcount
        cursor.execute(f"DROP TABLE {load}")
    tables.analyze(Suppression._meta.db_table)
    return Counts(loaded=loaded, new=added, replaced=0, unchanged=loaded - added, strategy="suppressions")


SUPPRESSIONS = Kind(
    "suppressions",
    Suppression,
    "customer_id",
    ("customer_id", "reason"),
    (),
    prepare_suppressions,
    load_columns="customer_id bigint, reason text, file_row bigint",
    merge=merge_suppressions,
)
