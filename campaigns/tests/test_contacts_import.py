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


def test_rows_of_one_treatment_that_define_its_response_differently_are_named_with_their_values(customers, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "customer_id,campaign,treatment,cell,contacted_at,response_kind,response_event_kind\n"
        "C-17,Spring,A,treatment,2026-03-02,event,email_click\n"
        "C-18,Spring,A,control,2026-03-02,Event,email_open\n"
        "C-19,Spring,B,treatment,2026-03-02,purchase,\n"
    )
    job = run_import(path)
    assert job.status == "failed"
    assert job.error == (
        "The file was not imported; nothing was written. row 3, column response_event_kind: treatment A of "
        "campaign Spring has response_event_kind email_click on row 2 but email_open on row 3; every row of a "
        "treatment describes its response the same way."
    )
    problem = ImportProblem.objects.get()
    assert (problem.row, problem.column, problem.value) == (3, "response_event_kind", "email_open")


def test_a_response_that_needs_a_detail_without_it_is_refused_naming_the_row(customers, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "customer_id,campaign,treatment,cell,contacted_at,response_kind,response_window_days\n"
        "C-17,Spring,A,treatment,2026-03-02,purchase,14\n"
        "C-18,Spring,B,treatment,2026-03-02,category,14\n"
        "C-19,Spring,C,treatment,2026-03-02,a gift,0\n"
    )
    job = run_import(path)
    assert job.status == "failed"
    problems = list(ImportProblem.objects.order_by("row", "column").values_list("row", "column", "value", "problem"))
    assert problems == [
        (3, "response_category", "", "is empty; a response by category needs the category whose purchases count"),
        (4, "response_kind", "a gift", "is not a kind of response (any purchase, category, offer code or event)"),
        (4, "response_window_days", "0", "is not a number of days from 1 to 32,767"),
    ]


def test_control_rows_must_all_name_their_treatment_or_none(customers, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        HEADER
        + "C-17,Spring,A,treatment,2026-03-02\n"
        + "C-18,Spring,,control,2026-03-02\n"
        + "C-19,Spring,A,control,2026-03-02\n"
    )
    job = run_import(path)
    assert job.status == "failed"
    assert job.error == (
        "The file was not imported; nothing was written. row 3, column treatment: campaign Spring has control rows "
        "without a treatment (row 3) and with one (row 4); name the treatment on every control row, or on none "
        "when one control group is shared by all treatments."
    )
    path.write_text(HEADER + "C-17,Spring,,treatment,2026-03-02\n")
    assert "row 2, column treatment: is empty; a treated row names its treatment" in run_import(path).error
