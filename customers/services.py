"""Writes: start an import, run it, keep its problems."""

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction

from core.models import Job
from core.services import JobError, Progress, job_enqueue
from customers.imports.problems import ImportRefused, Problems
from customers.imports.run import import_file
from customers.models import DataImport, ImportProblem, MonthlySales, Purchase


def upload_store(upload: UploadedFile) -> Path:
    """Keep an uploaded file where every worker can read it (DATA_DIR/uploads)."""
    folder = settings.DATA_DIR / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / Path(upload.name).name
    with path.open("wb") as destination:
        for chunk in upload.chunks():
            destination.write(chunk)
    return path


@transaction.atomic
def data_import_create(
    *,
    kind: str,
    path: Path,
    file_name: str,
    owner: AbstractBaseUser | None,
    preset: str = "",
    delimiter: str = ",",
    encoding: str = "utf-8",
    uploaded: bool = False,
    enqueue: bool = True,
) -> DataImport:
    """Record the import and its job; with `enqueue`, a worker runs it once this transaction commits."""
    from customers.tasks import import_csv

    title = f"Import {DataImport.Kind(kind).label.lower()} from {file_name}"
    params = {"kind": kind, "preset": preset, "file": file_name}
    # An upload is the job's own file, kept while the import may be tried again and removed after.
    files = [path.parent] if uploaded else []
    if enqueue:
        job = job_enqueue(kind=Job.Kind.IMPORT, title=title, owner=owner, task=import_csv, params=params, files=files)
    else:
        job = Job.objects.create(
            kind=Job.Kind.IMPORT, title=title, owner=owner, params=params, files=[str(file) for file in files]
        )
    return DataImport.objects.create(
        job=job,
        kind=kind,
        preset=preset,
        file_name=file_name,
        path=str(path),
        size_bytes=path.stat().st_size,
        delimiter=delimiter,
        encoding=encoding,
        uploaded=uploaded,
        created_by=owner,
    )


def data_import_run(job: Job, progress: Progress) -> dict[str, Any]:
    """The job's work: load the file, or keep its problems and fail with a summary of them."""
    data_import = DataImport.objects.get(job=job)
    try:
        result = import_file(
            kind=data_import.kind,
            path=Path(data_import.path),
            preset=data_import.preset,
            delimiter=data_import.delimiter,
            encoding=data_import.encoding,
            report=progress,
        )
        if any(step["kind"] == "purchases" for step in result["steps"]):
            transaction.on_commit(lambda: monthly_sales_enqueue(owner=job.owner))
        return result
    except ImportRefused as refusal:
        _keep_problems(data_import, refusal.problems)
        raise JobError(refusal.problems.summary()) from None
    except FileNotFoundError:
        raise JobError(f"The file {data_import.file_name} is no longer where the import expected it.") from None


def monthly_sales_enqueue(*, owner: AbstractBaseUser | None) -> Job:
    from customers.tasks import refresh_monthly_sales

    return job_enqueue(
        kind=Job.Kind.SALES_SUMMARY, title="Monthly sales summary", owner=owner, task=refresh_monthly_sales
    )


@transaction.atomic
def monthly_sales_refresh(job: Job | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Sum every purchase line into months and channels, replacing the summary in one transaction."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MonthlySales._meta.db_table}")
        cursor.execute(
            f"""
            INSERT INTO {MonthlySales._meta.db_table} (month, channel, revenue_cents, margin_cents, lines)
            SELECT date_trunc('month', purchased_at)::date, channel, sum(revenue_cents), sum(margin_cents), count(*)
            FROM {Purchase._meta.db_table}
            GROUP BY 1, 2
            """
        )
        return {"months": cursor.rowcount}


def _keep_problems(data_import: DataImport, problems: Problems) -> None:
    frame = problems.frame()
    ImportProblem.objects.bulk_create(
        (
            ImportProblem(
                data_import=data_import,
                row=None if row != row else int(row),
                column=column,
                value=value,
                problem=problem,
            )
            for row, column, value, problem in frame.itertuples(index=False)
        ),
        batch_size=5000,
    )
    DataImport.objects.filter(pk=data_import.pk).update(problem_count=problems.total)
