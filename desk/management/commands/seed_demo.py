from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.models import Job
from core.services import job_run
from customers.models import Customer
from desk.demo import demo_retailer_load


class Command(BaseCommand):
    help = "Make up a believable retailer (stores, categories, customers, purchases, events) and import it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="last day of the history")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if there are customers already")

    def handle(
        self, *args: object, customers: int, seed: int, as_of: date | None, if_empty: bool, **options: object
    ) -> None:
        if customers < 1:
            raise CommandError("--customers must be at least 1.")
        if if_empty and Customer.objects.exists():
            self.stdout.write("There are customers already; no demo data loaded.")
            return
        end = as_of or timezone.localdate()
        job = Job.objects.create(
            kind=Job.Kind.DEMO_DATA,
            title=f"Demo data: {customers:,} customers",
            params={"customers": customers, "seed": seed, "end": end.isoformat()},
        )
        job_run(job.pk, demo_retailer_load)
        job.refresh_from_db()
        if job.status == Job.Status.FAILED:
            raise CommandError(job.error)
        rows = ", ".join(f"{count:,} {kind}" for kind, count in job.result["rows"])
        self.stdout.write(self.style.SUCCESS(f"Loaded {rows} in {job.duration_seconds:.1f} s."))
