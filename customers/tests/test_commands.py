"""`import_csv` in a terminal: it runs the whole import there and leaves nothing waiting for a worker."""

import io

from django.core.management import call_command

from core.models import Job
from customers.models import MonthlySales

PURCHASES = (
    "line_id,customer_id,purchased_at,quantity,revenue,order_ref,margin\n"
    "L1,A1,2026-03-01 10:00:00,2,20.00,O1,5.00\n"
    "L2,A1,2026-04-02 09:30:00,1,5.50,O2,1.00\n"
)


def test_a_purchases_import_in_a_terminal_sums_the_monthly_sales_and_queues_nothing(db, tmp_path):
    # No category has been imported yet either: the lookup of an empty table must not stop the import.
    (tmp_path / "customers.csv").write_text("external_id,name\nA1,Ann\n")
    (tmp_path / "purchases.csv").write_text(PURCHASES)
    out = io.StringIO()
    call_command("import_csv", "customers", str(tmp_path / "customers.csv"), stdout=out)
    call_command("import_csv", "purchases", str(tmp_path / "purchases.csv"), stdout=out)

    assert not Job.objects.exclude(status="succeeded").exists()
    months = MonthlySales.objects.order_by("month").values_list("month", "revenue_cents", "lines")
    assert [(month.isoformat(), cents, lines) for month, cents, lines in months] == [
        ("2026-03-01", 2_000, 1),
        ("2026-04-01", 550, 1),
    ]
