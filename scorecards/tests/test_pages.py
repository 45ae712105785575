"""Who may do what on the scorecard pages and services: managers and admins create and submit, others read."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from core.tests.factories import PASSWORD
from scorecards.models import Assessment, Score, ScorecardTemplate
from scorecards.services import (
    ScoreInput,
    assessment_create,
    assessment_score,
    assessment_submit,
    template_revise,
)
from scorecards.tests.conftest import process, scored

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def maturity() -> ScorecardTemplate:
    return ScorecardTemplate.objects.get(key="direct-marketing")


@pytest.fixture
def last_year(maturity, manager) -> Assessment:
    scores = {
        "Planning process": 2,
        "Segment planning": 2,
        "Strategic development": 1,
        "Campaign planning": 3,
        "Cross-channel": 1,
        "Organisational readiness": 2,
        "Response tracking": 3,
        "P&L and behaviour goals": 2,
        "Continuous improvement": 1,
    }
    return scored(maturity, manager, date(2024, 11, 30), scores)


@pytest.mark.parametrize("role", ["marketer", "segment_owner"])
def test_other_roles_read_the_scorecards_but_may_not_start_or_fill_one(client, request, role, last_year):
    user = request.getfixturevalue(role)
    client = signed_in(client, user)
    listing = client.get("/scorecards/")
    assert listing.status_code == 200
    assert "New assessment" not in listing.text
    assert "30 Nov 2024" in listing.text
    detail = client.get(f"/scorecards/{last_year.pk}/")
    assert detail.status_code == 200
    assert "Planning process" in detail.text
    assert 'id="fill"' not in detail.text and 'id="submit"' not in detail.text
    assert client.get(f"/scorecards/{last_year.pk}/print/").status_code == 200
    assert client.get(f"/scorecards/{last_year.pk}/compare/").status_code == 200
    made = client.post("/scorecards/new/", {"template": last_year.version.template_id, "assessed_on": "2025-11-30"})
    assert made.status_code == 403
    assert Assessment.objects.count() == 1


def test_other_roles_may_not_fill_or_submit_a_draft(client, marketer, manager, maturity):
    draft = assessment_create(user=manager, template=maturity, assessed_on=date(2025, 11, 30))
    client = signed_in(client, marketer)
    assert client.get(f"/scorecards/{draft.pk}/fill/").status_code == 403
    first = draft.scores.first()
    assert client.post(f"/scorecards/{draft.pk}/fill/", {f"score-{first.process_id}": "5"}).status_code == 403
    assert client.post(f"/scorecards/{draft.pk}/submit/").status_code == 403
    assert client.post(f"/scorecards/{draft.pk}/delete/").status_code == 403
    assert not Score.objects.filter(assessment=draft, score__isnull=False).exists()


def test_services_refuse_other_roles(marketer, segment_owner, manager, maturity):
    draft = assessment_create(user=manager, template=maturity, assessed_on=date(2025, 11, 30))
    first = draft.scores.first()
    for user in (marketer, segment_owner):
        with pytest.raises(PermissionDenied, match="Only managers and admins may create assessments"):
            assessment_create(user=user, template=maturity, assessed_on=date(2025, 11, 30))
        with pytest.raises(PermissionDenied):
            assessment_score(assessment=draft, user=user, scores={first.process_id: ScoreInput(score=4)})
        with pytest.raises(PermissionDenied):
            assessment_submit(assessment=draft, user=user)
    with pytest.raises(PermissionDenied, match="Only admins may edit"):
        template_revise(template=maturity, user=manager, name="Mine", description="", areas=[])
    assert maturity.versions.count() == 1


def test_a_signed_in_user_without_a_role_sees_nothing(client, outsider, last_year):
    assert signed_in(client, outsider).get(f"/scorecards/{last_year.pk}/").status_code == 403


def test_a_manager_starts_fills_an_area_and_submits(client, manager, maturity, last_year):
    client = signed_in(client, manager)
    assert "New assessment" in client.get("/scorecards/").text
    response = client.post("/scorecards/new/", {"template": maturity.pk, "assessed_on": "2025-11-30"})
    assessment = Assessment.objects.get(assessed_on=date(2025, 11, 30))
    assert response["Location"] == f"/scorecards/{assessment.pk}/fill/"
    page = client.get(response["Location"])
    assert "Strategy" in page.text and "Planning process" in page.text
    assert "Quarters planned with a what-if scenario" in page.text
    for number, area in enumerate(assessment.version.areas.all(), start=1):
        data = {"area": number, "action": "next"}
        for each in area.processes.all():
            data[f"score-{each.pk}"] = "4"
            data[f"comment-{each.pk}"] = f"{each.name} is better"
        client.post(f"/scorecards/{assessment.pk}/fill/", data)
    response = client.post(f"/scorecards/{assessment.pk}/submit/")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_by == manager
    assert set(assessment.evidence) >= {"planning-process", "response-tracking"}
    detail = client.get(f"/scorecards/{assessment.pk}/")
    assert "36 of 45" in detail.text
    compared = client.get(f"/scorecards/{assessment.pk}/compare/")
    assert "17 of 45" in compared.text and "+19" in compared.text


def test_submitting_with_gaps_says_which_processes_are_left(client, manager, maturity):
    draft = assessment_create(user=manager, template=maturity, assessed_on=date(2025, 11, 30))
    response = signed_in(client, manager).post(f"/scorecards/{draft.pk}/submit/", follow=True)
    assert "still to score: Planning process, Segment planning" in response.text
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT


def test_only_admins_edit_a_template_and_an_edit_is_a_new_version(client, manager, admin_user, maturity, last_year):
    assert signed_in(client, manager).get(f"/scorecards/templates/{maturity.pk}/").status_code == 403
    client.logout()
    client = signed_in(client, admin_user)
    page = client.get(f"/scorecards/templates/{maturity.pk}/")
    assert page.status_code == 200 and "Save as a new version" in page.text
    rows = page.context["rows"].initial
    data = {
        "name": maturity.name,
        "description": "Revised",
        "rows-TOTAL_FORMS": len(rows) + 1,
        "rows-INITIAL_FORMS": len(rows),
    }
    for number, row in enumerate(rows):
        data |= {f"rows-{number}-{field}": value for field, value in row.items()}
    data["rows-0-advanced"] = "Scenarios for every quarter"
    data |= {f"rows-{len(rows)}-{field}": value for field, value in process("Data quality").items() if field != "key"}
    data[f"rows-{len(rows)}-area"] = "Campaign execution"
    response = client.post(f"/scorecards/templates/{maturity.pk}/", data)
    assert response.status_code == 302
    version = maturity.versions.order_by("-number").first()
    assert version.number == 2
    execution = version.areas.get(name="Campaign execution")
    assert [p.name for p in execution.processes.all()] == [
        "Organisational readiness",
        "Response tracking",
        "Data quality",
    ]
    assert version.areas.get(name="Strategy").processes.first().advanced == "Scenarios for every quarter"
    last_year.refresh_from_db()
    assert last_year.version.number == 1
    assert last_year.version.areas.get(name="Strategy").processes.first().advanced.startswith("The campaign plan")


def test_the_first_assessment_is_compared_with_the_latest_one(client, marketer, manager, maturity, last_year):
    scores = dict.fromkeys((p.name for p in last_year.version.areas.first().processes.all()), 5)
    later = scored(maturity, manager, date(2025, 11, 30), scores, submit=False)
    page = signed_in(client, marketer).get(f"/scorecards/{last_year.pk}/compare/")
    assert page.context["before"] == later
    comparison = page.context["comparison"]
    assert (comparison.before.assessment, comparison.after.assessment) == (last_year, later)
    assert comparison.areas[0].change == 15 - 5  # Strategy scored 5 each now, against 2 + 2 + 1 last year


def test_the_list_gives_each_assessments_total_average_and_who_made_it(client, manager, marketer, maturity, last_year):
    manager.first_name, manager.last_name = "Mina", "Okafor"
    manager.save()
    draft = assessment_create(user=manager, template=maturity, assessed_on=date(2025, 11, 30))
    processes = Score.objects.filter(assessment=last_year).count()
    row = signed_in(client, marketer).get("/scorecards/").text.split("<tbody>")[1].split("</tbody>")[0]
    # The newest first: the draft, nothing scored yet; then last year's, 17 points over nine scored processes.
    newest, older = row.split("</tr>")[:2]
    assert "30 Nov 2025" in newest and "Draft" in newest and f"0 of {5 * processes}" in newest and ">-<" in newest
    assert "Submitted" in older and f"17 of {5 * processes}" in older and ">1.9<" in older
    assert "Mina Okafor" in older
    assert f"/scorecards/{draft.pk}/" in newest
