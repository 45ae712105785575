"""The demo's content: a made-up retailer, imported as a user's files would be, then its lifecycle,
portfolios, segments and campaigns. The demo data job (`desk.tasks`) runs it."""

import shutil
from datetime import date
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from django.conf import settings
from django.db import transaction

from campaigns.demo import campaigns_load
from core.models import Job
from core.services import Progress, demo_users_ensure
from customers.demo.retailer import write_retailer
from customers.imports.run import import_file
from customers.services import monthly_sales_refresh
from offers.demo import offer_bank_load
from reporting.demo import results_demo_load, scenarios_demo_load
from reporting.store_event_demo import store_event_demo_load
from scorecards.demo import scorecards_demo_load
from segments.demo import lifecycle_load

DEMO_KINDS = ["stores", "categories", "customers", "purchases", "events"]


def demo_retailer_load(job: Job, progress: Progress) -> dict[str, Any]:
    """Write the retailer's files for the job's parameters, import them, then stage them and run campaigns.

    All in one transaction: a load stopped halfway (its worker killed) leaves the database empty, so the job
    may simply run again, and the desk's next start still finds an empty database to load.
    """
    with transaction.atomic():
        return _demo_retailer_load(job, progress)


def _demo_retailer_load(job: Job, progress: Progress) -> dict[str, Any]:
    customers, seed = job.params["customers"], job.params["seed"]
    end = date.fromisoformat(job.params["end"])
    demo_users_ensure()  # the demo's segments and portfolios belong to them
    # A folder of its own: two loads of the same retailer (two test processes) must not share their files.
    (settings.DATA_DIR / "demo").mkdir(parents=True, exist_ok=True)
    folder = Path(mkdtemp(prefix=f"{customers}-{seed}-{end}-", dir=settings.DATA_DIR / "demo"))
    progress(1, f"Making up {customers:,} customers and their history")
    files = write_retailer(folder, customers=customers, seed=seed, end=end)
    loaded: list[list] = []
    try:
        for number, kind in enumerate(DEMO_KINDS):
            step = progress.span(15 + 45 * number / len(DEMO_KINDS), 15 + 45 * (number + 1) / len(DEMO_KINDS))
            result = import_file(kind=kind, path=getattr(files, kind), report=step)
            loaded.append([kind, result["steps"][0]["loaded"]])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    monthly_sales_refresh()
    lifecycle = lifecycle_load(end=end, progress=progress.span(60, 90))
    offers = offer_bank_load(end=end, seed=seed)
    campaigns = campaigns_load(end=end, seed=seed, progress=progress.span(90, 96))
    results = results_demo_load(end=end, seed=seed, progress=progress.span(96, 100))
    scorecards = scorecards_demo_load(end=end)
    scenarios = scenarios_demo_load(end=end)
    store_events = store_event_demo_load(end=end, seed=seed)
    return {
        "customers": customers,
        "seed": seed,
        "history_ends": str(end),
        "rows": loaded,
        **lifecycle,
        **offers,
        **campaigns,
        **results,
        **scorecards,
        **scenarios,
        **store_events,
    }
