"""Writes: record an import, run it, keep its problems; the monthly sales summary; erase a person."""

import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from core.models import Job
from core.roles import is_admin
from core.services import JobError, Progress
from customers.imports.problems import ImportRefused, Problems
from customers.imports.run import import_file
from customers.models import Customer, CustomerErasure, DataImport, ImportProblem, MonthlySales, Purchase

FILE_NAME_LENGTH = DataImport._meta.get_field("file_name").max_length


def upload_store(upload: UploadedFile) -> Path:
    """Keep an uploaded file where every worker can read it (DATA_DIR/uploads), under a name of our own: the
    person's file name may be longer than the disk allows (it is kept, shortened, on the import's record)."""
    folder = settings.DATA_DIR / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / "upload"
    try:
        with path.open("wb") as destination:
            for chunk in upload.chunks():
                destination.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def shown_file_name(name: str, length: int = FILE_NAME_LENGTH) -> str:
    """The file's name as records keep it: whole when it fits in `length`, else its start and its end."""
    name = Path(name).name
    if len(name) <= length:
        return name
    end = min(38, length // 3)
    return f"{name[: length - end - 3]}...{name[-end:]}"


def data_import_create(
    *,
    job: Job,
    kind: str,
    path: Path,
    file_name: str,
    preset: str = "",
    delimiter: str = ",",
    encoding: str = "utf-8",
    uploaded: bool = False,
) -> DataImport:
    """Record the import of a file that the job will load."""
    return DataImport.objects.create(
        job=job,
        kind=kind,
        preset=preset,
        file_name=shown_file_name(file_name),
        path=str(path),
        size_bytes=path.stat().st_size,
        delimiter=delimiter,
        encoding=encoding,
        uploaded=uploaded,
        created_by=job.owner,
    )


def data_import_run(*, data_import: DataImport, progress: Progress) -> dict[str, Any]:
    """Load the file, or keep its problems and fail with a summary of them. An uploaded file is removed after."""
    try:
        return import_file(
            kind=data_import.kind,
            path=Path(data_import.path),
            preset=data_import.preset,
            delimiter=data_import.delimiter,
            encoding=data_import.encoding,
            report=progress,
        )
    except ImportRefused as refusal:
        _keep_problems(data_import, refusal.problems)
        raise JobError(refusal.problems.summary()) from None
    except FileNotFoundError:
        raise JobError(f"The file {data_import.file_name} is no longer where the import expected it.") from None


@transaction.atomic
def monthly_sales_refresh() -> dict[str, Any]:
    """Sum every purchase line into months and channels, replacing the summary in one transaction.

    Margin is summed over the lines whose margin is known, with the revenue of those lines beside it, so that
    a page says how much of the revenue the margin covers (and no margin at all where none is known).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MonthlySales._meta.db_table}")
        cursor.execute(
            f"""
            INSERT INTO {MonthlySales._meta.db_table}
                (month, channel, revenue_cents, margin_cents, margin_revenue_cents, lines)
            SELECT date_trunc('month', purchased_at)::date, channel, sum(revenue_cents), sum(margin_cents),
                   coalesce(sum(revenue_cents) FILTER (WHERE margin_cents IS NOT NULL), 0), count(*)
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
                row=None if pd.isna(row) else int(row),
                column=column,
                value=value,
                problem=problem,
            )
            for row, column, value, problem in frame.itertuples(index=False)
        ),
        batch_size=5000,
    )
    DataImport.objects.filter(pk=data_import.pk).update(problem_count=problems.total)


class ErasureRefused(Exception):
    """An erasure the rules do not allow; the message says why."""


@transaction.atomic
def customer_erase(*, customer: Customer, user: AbstractBaseUser, reason: str) -> CustomerErasure:
    """Erase a person on their request (the right to be forgotten), in one transaction.

    Everything that says who they are goes: name, e-mail, phone, postal address, their id in the source system,
    birth year, consents and topics. Their purchases, contacts and audience rows stay under the anonymous row, so
    every total, result and released contact file keeps adding up; the build never selects an erased customer
    again.
    A customer row is never deleted from the app: that would leave its history pointing at nothing.
    """
    if not is_admin(user):
        raise ErasureRefused("Only an admin erases a customer's details.")
    if not reason.strip():
        raise ErasureRefused("Say on what request the customer is erased: it is kept in the erasure log.")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at:
        raise ErasureRefused(f"This customer was already erased on {customer.erased_at:%d %b %Y}.")
    customer.external_id = f"erased-{customer.pk}"
    customer.name = customer.email = customer.phone = customer.address = customer.postcode = customer.city = ""
    customer.birth_year = None
    customer.consent_email = customer.consent_sms = customer.consent_push = customer.consent_direct_mail = False
    customer.topics = []
    customer.erased_at = timezone.now()
    customer.save()
    return CustomerErasure.objects.create(customer=customer, erased_by=user, reason=reason.strip()[:300])
