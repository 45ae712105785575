"""After an imported campaign is measured, a manager changes what counts as a response to a treatment and for
how long: the change is recorded with who made it, a new results run is queued, the earlier version stays, and
nothing else about the campaign moves. Who may not compute the results may not change what they count."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.models import AudienceMember, ContactHistory, Treatment
from campaigns.services.workflow import CampaignError
from core.models import Job
from core.services import job_run
from customers.models import Category
from reporting.measurement import measurement_update
from reporting.models import CampaignResult
from reporting.selectors import latest_result
from reporting.services import results_run
from reporting.tasks import results_job
from reporting.tests.test_imported_responses import autumn  # noqa: F401  (A: wine in 14 days, B: clicks in 7)

LONGER_CLICKS = {
    "response_kind": "event",
    "response_category": None,
    "response_offer_code": "",
    "response_event_kind": "email_click",
    "response_window_days": 10,
}


def responders(result: CampaignResult) -> dict[str, tuple[int, int]]:
    return {
        row["code"]: (row["treatment"]["responders"], row["control"]["responders"])
        for row in result.payload["treatments"]
    }


@pytest.fixture
def b(autumn) -> Treatment:  # noqa: F811
    return autumn.treatments.get(code="B")


def test_a_manager_changes_the_window_and_a_run_measures_it_while_the_earlier_version_stays(autumn, b, manager):  # noqa: F811
    earlier = results_run(campaign=autumn)
    job = measurement_update(treatment=b, user=manager, **LONGER_CLICKS)
    assert (job.kind, job.status, job.params) == (Job.Kind.RESULTS, Job.Status.QUEUED, {"campaign_id": autumn.pk})
    b.refresh_from_db()
    assert b.response_window_days == 10
    change = b.history.first()
    assert (change.history_user, change.history_change_reason) == (manager, "Response definition changed after release")
    assert change.prev_record.response_window_days == 7

    job_run(job.pk, results_job)
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED
    assert responders(latest_result(autumn)) == {"A": (1, 1), "B": (2, 0)}  # f's click on day 9 now counts
    assert responders(CampaignResult.objects.get(campaign=autumn, version=earlier.version)) == {
        "A": (1, 1),
        "B": (1, 0),
    }


def test_a_category_response_becomes_any_purchase(autumn, manager):  # noqa: F811
    a = autumn.treatments.get(code="A")
    measurement_update(
        treatment=a,
        user=manager,
        response_kind="purchase",
        response_category=None,
        response_offer_code="",
        response_event_kind="",
        response_window_days=14,
    )
    assert responders(results_run(campaign=autumn))["A"] == (2, 1)  # b's food purchase now counts


def test_the_same_definition_again_queues_nothing(b, manager):
    same = {**LONGER_CLICKS, "response_window_days": 7}
    assert measurement_update(treatment=b, user=manager, **same) is None
    assert b.history.count() == 1  # created by the import, never changed


def test_a_draft_is_edited_on_the_campaign_page_not_here(make_campaign, manager):
    treatment = make_campaign().treatments.get()
    wine = Category.objects.create(code="WINE", name="Wine", margin_rate="0.4")
    with pytest.raises(CampaignError, match="until it is released"):
        measurement_update(
            treatment=treatment,
            user=manager,
            response_kind="category",
            response_category=wine,
            response_offer_code="",
            response_event_kind="",
            response_window_days=14,
        )
