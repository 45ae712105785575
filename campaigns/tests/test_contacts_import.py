"""The contacts import names a customer listed twice by the file's own id and rows, and a file whose
problems carry no row is refused with its problems listed, never with an unexpected error."""

import gzip

import pytest

from core.models import Job
from core.services import job_run
from customers.imports.run import import_file
from customers.models import ImportProblem
from customers.tasks import data_import_submit, import_job

HEADER = "customer_id,campaign,treatment,cell,contacted_at\n"


@pytest.fixture
def customers(db, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("external_id,name\nC-17,Ann\nC-18,Bob\nC-19,Cy\n")
    import_file(kind="customers", path=path)


def run_import(path, kind: str = "contacts") -> Job:
    data_import = data_import_submit(kind=kind, path=path, file_name=path.name, owner=None, queue=False)
    job_run(data_import.job.pk, import_job)
    return Job.objects.get(pk=data_import.job.pk)


def test_a_customer_listed_twice_in_a_campaign_is_named_with_the_files_id_and_both_rows(customers, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        HEADER
        + "C-17,Spring,A,treatment,2026-03-02\n"
        + "C-18,Spring,A,control,2026-03-02\n"
        + "C-17,Spring,B,treatment,2026-03-02\n"
    )
    job = run_import(path)
    assert job.status == "failed"
    assert job.error == (
        "The file was not imported; nothing was written. row 4, column customer_id: customer C-17 is listed more "
        "than once in campaign Spring (rows 2, 4); a customer is in one cell of a campaign."
    )
    problem = ImportProblem.objects.get()
    assert (problem.row, problem.column, problem.value) == (4, "customer_id", "C-17")


def test_a_truncated_gzip_file_is_refused_with_its_problem_listed(customers, tmp_path):
    whole = gzip.compress((HEADER + "C-17,Spring,A,treatment,2026-03-02\n" * 2000).encode())
    path = tmp_path / "contacts.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    job = run_import(path)
    assert job.status == "failed"
    assert job.error.startswith("The file was not imported; nothing was written.")
    assert "unexpected error" not in job.error
    assert ImportProblem.objects.filter(row=None).exists()
