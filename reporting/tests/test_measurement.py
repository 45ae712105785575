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


def test_someone_who_may_not_compute_the_results_may_not_change_what_they_count(autumn, b, marketer, client):  # noqa: F811
    with pytest.raises(PermissionDenied):
        measurement_update(treatment=b, user=marketer, **LONGER_CLICKS)
    client.force_login(marketer)
    url = f"/campaigns/{autumn.pk}/results/treatments/{b.pk}/response/"
    assert client.post(url, {**LONGER_CLICKS, "response_category": ""}).status_code == 403
    assert client.get(url).status_code == 403
    page = client.get(f"/campaigns/{autumn.pk}/results/").content.decode()
    assert "E-mail click, within 7 days of the contact." in page
    assert "edit-response-" not in page
    b.refresh_from_db()
    assert b.response_window_days == 7
    assert not Job.objects.exists()


def test_only_the_definition_changes_whatever_else_is_posted(autumn, b, manager, client):  # noqa: F811
    with pytest.raises(TypeError):
        measurement_update(treatment=b, user=manager, **LONGER_CLICKS, cost_per_contact_cents=500)
    members, contacts = AudienceMember.objects.count(), ContactHistory.objects.count()
    client.force_login(manager)
    response = client.post(
        f"/campaigns/{autumn.pk}/results/treatments/{b.pk}/response/",
        {
            **LONGER_CLICKS,
            "response_category": "",
            "cost_per_contact_cents": 500,
            "holdout_share": "0.5",
            "channel": "sms",
            "code": "Z",
        },
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.response_window_days == 10
    assert (b.code, b.channel, b.cost_per_contact_cents, str(b.holdout_share)) == ("B", "email", 0, "0.000")
    assert (AudienceMember.objects.count(), ContactHistory.objects.count()) == (members, contacts)


def test_the_results_page_shows_the_new_definition_and_the_queued_run(autumn, b, manager, client):  # noqa: F811
    results_run(campaign=autumn)
    client.force_login(manager)
    url = f"/campaigns/{autumn.pk}/results/treatments/{b.pk}/response/"
    assert 'id="edit-response-' in client.get(f"/campaigns/{autumn.pk}/results/").content.decode()
    response = client.post(url, {**LONGER_CLICKS, "response_category": ""}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"/campaigns/{autumn.pk}/results/"
    page = client.get(f"/campaigns/{autumn.pk}/results/").content.decode()
    assert 'id="results-job"' in page
    assert "E-mail click, within 10 days of the contact." in page
    assert "after the results below were computed" in page


def test_a_definition_the_treatment_could_not_have_is_refused_and_nothing_is_queued(autumn, b, manager, client):  # noqa: F811
    without_category = {**LONGER_CLICKS, "response_kind": "category"}
    with pytest.raises(ValidationError, match="Choose the category"):
        measurement_update(treatment=b, user=manager, **without_category)
    client.force_login(manager)
    response = client.post(
        f"/campaigns/{autumn.pk}/results/treatments/{b.pk}/response/", {**without_category, "response_category": ""}
    )
    assert response.status_code == 200
    assert "Choose the category whose purchases count as responses." in response.content.decode()
    b.refresh_from_db()
    assert (b.response_kind, b.response_window_days) == ("event", 7)
    assert not Job.objects.exists()


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
