"""The segment commands run the same jobs as the pages, as of the date they are given."""

from io import StringIO

from django.core.management import call_command

from core.models import Job
from segments.models import CustomerFeatures, StageAssignment
from segments.tests.conftest import history  # noqa: F401  (five customers described by hand)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_refresh_features_as_of_a_date(history):  # noqa: F811
    output = run("refresh_features", "--as-of", "2026-06-30")
    assert "of 5 customers as of the end of 2026-06-30" in output
    recency = dict(CustomerFeatures.objects.values_list("customer__external_id", "recency_days"))
    assert recency == {"ann": 9, "bob": 29, "cat": 394, "dan": 149, "eve": None}
    job = Job.objects.get(kind=Job.Kind.FEATURES)
    assert (job.status, job.params) == (Job.Status.SUCCEEDED, {"as_of": "2026-06-30", "window_days": 365})


def test_stage_customers_gives_everyone_one_stage_as_of_the_period_end(history):  # noqa: F811
    output = run("stage_customers", "2026-06-30")
    assert "5 customers staged as of the end of 2026-06-30" in output
    assert StageAssignment.objects.filter(period_end="2026-06-30").count() == 5
