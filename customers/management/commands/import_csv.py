from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import Job
from core.services import job_run
from customers.imports.presets import PRESETS
from customers.imports.source import DELIMITERS, ENCODINGS
from customers.models import DataImport
from customers.tasks import data_import_submit, import_job


class Command(BaseCommand):
    help = "Import a CSV file (plain or .gz) of stores, categories, customers, purchases or events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=DataImport.Kind.values)
        parser.add_argument("path", type=Path)
        parser.add_argument("--preset", choices=sorted(PRESETS), default="")
        parser.add_argument("--delimiter", choices=sorted(DELIMITERS), default=",")
        parser.add_argument("--encoding", choices=sorted(ENCODINGS), default="utf-8")
        parser.add_argument(
            "--queue", action="store_true", help="hand the import to a worker instead of running it here"
        )

    def handle(
        self,
        *args: object,
        kind: str,
        path: Path,
        preset: str,
        delimiter: str,
        encoding: str,
        queue: bool,
        **options: object,
    ) -> None:
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if preset and kind not in PRESETS[preset].kinds:
            raise CommandError(f"The preset {preset} reads {', '.join(PRESETS[preset].kinds)}, not {kind}.")
        data_import = data_import_submit(
            kind=kind,
            path=path.resolve(),
            file_name=path.name,
            owner=None,
            preset=preset,
            delimiter=delimiter,
            encoding=encoding,
            queue=queue,
        )
        if queue:
            self.stdout.write(f"Queued as job {data_import.job_id}.")
            return
        job_run(data_import.job_id, import_job)
        job = Job.objects.get(pk=data_import.job_id)
        if job.status == Job.Status.FAILED:
            data_import.refresh_from_db()
            listed = f"\nThe Imports page lists every problem (job {job.pk})." if data_import.problem_count else ""
            raise CommandError(job.error + listed)
        for step in job.result["steps"]:
            skipped = "".join(f", skipped {count:,} {what}" for what, count in step["skipped"].items())
            self.stdout.write(
                f"{step['kind']}: {step['loaded']:,} rows: {step['new']:,} new, {step['replaced']:,} replaced"
                f" ({step['strategy']}){skipped}"
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {job.result['seconds']} s (job {job.pk})."))
