"""Totals per area and overall, comparisons of two assessments, submission and template versions."""

from datetime import date

import pytest

from scorecards.models import Assessment, Process, ScorecardTemplate
from scorecards.selectors import assessment_scorecard, assessments_compare, previous_assessment
from scorecards.services import (
    ScorecardError,
    ScoreInput,
    assessment_score,
    assessment_submit,
    shipped_templates_ensure,
    template_revise,
)
from scorecards.tests.conftest import process, scored

pytestmark = pytest.mark.django_db


def test_it_totals_each_area_and_the_whole_scorecard(two_areas, manager):
    assessment = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 2, "Budgets": 5, "Holdouts": 3})
    card = assessment_scorecard(assessment)
    assert [(area.area.name, area.total, area.maximum, area.average) for area in card.areas] == [
        ("Planning", 7, 10, 3.5),
        ("Testing", 3, 5, 3.0),
    ]
    assert (card.total, card.maximum, card.average) == (10, 15, 10 / 3)


def test_a_draft_totals_only_the_processes_scored_so_far(two_areas, manager):
    assessment = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 4}, submit=False)
    card = assessment_scorecard(assessment, with_evidence=False)
    assert (card.total, card.scored, card.maximum, card.average) == (4, 1, 15, 4.0)
    assert card.areas[1].average is None


def test_it_compares_two_assessments_process_by_process_and_area_by_area(two_areas, manager):
    last_year = scored(two_areas, manager, date(2024, 6, 30), {"Calendar": 2, "Budgets": 3, "Holdouts": 1})
    this_year = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 4, "Budgets": 3, "Holdouts": 2})
    assert previous_assessment(this_year) == last_year
    comparison = assessments_compare(last_year, this_year)
    assert [(p.name, p.before, p.after, p.change) for area in comparison.areas for p in area.processes] == [
        ("Calendar", 2, 4, 2),
        ("Budgets", 3, 3, 0),
        ("Holdouts", 1, 2, 1),
    ]
    assert [(area.name, area.before, area.after, area.change) for area in comparison.areas] == [
        ("Planning", 5, 7, 2),
        ("Testing", 1, 2, 1),
    ]
    assert comparison.change == 3


def test_a_process_not_yet_scored_in_a_draft_is_no_fall(two_areas, manager):
    last_year = scored(two_areas, manager, date(2024, 6, 30), {"Calendar": 2, "Budgets": 3, "Holdouts": 1})
    draft = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 4}, submit=False)
    comparison = assessments_compare(last_year, draft)
    assert [(area.name, area.change) for area in comparison.areas] == [("Planning", 2), ("Testing", 0)]
    assert comparison.change == 2


def test_a_process_dropped_from_the_template_is_compared_apart(two_areas, manager, admin_user):
    last_year = scored(two_areas, manager, date(2024, 6, 30), {"Calendar": 2, "Budgets": 3, "Holdouts": 1})
    template_revise(
        template=two_areas,
        user=admin_user,
        name="Practice check",
        description="",
        areas=[{"name": "Planning", "processes": [process("Calendar", "calendar"), process("Forecasts")]}],
    )
    this_year = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 3, "Forecasts": 2})
    comparison = assessments_compare(last_year, this_year)
    assert [(area.name, [(p.name, p.before, p.after) for p in area.processes]) for area in comparison.areas] == [
        ("Planning", [("Calendar", 2, 3), ("Forecasts", None, 2)]),
        ("No longer in the scorecard", [("Budgets", 3, None), ("Holdouts", 1, None)]),
    ]


def test_editing_a_template_leaves_a_submitted_assessment_as_it_was(two_areas, manager, admin_user):
    submitted = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 2, "Budgets": 5, "Holdouts": 3})
    version = template_revise(
        template=two_areas,
        user=admin_user,
        name="Practice check, revised",
        description="",
        areas=[
            {
                "name": "Planning and budgets",
                "processes": [
                    {**process("Calendar", "calendar"), "advanced": "A rolling 18-month calendar"},
                    process("Forecasts"),
                ],
            }
        ],
    )
    assert version.number == 2
    submitted.refresh_from_db()
    card = assessment_scorecard(submitted)
    assert submitted.version.number == 1
    assert [area.area.name for area in card.areas] == ["Planning", "Testing"]
    assert [(line.process.name, line.process.advanced, line.score.score) for line in card.lines] == [
        ("Calendar", "Calendar: leading", 2),
        ("Budgets", "Budgets: leading", 5),
        ("Holdouts", "Holdouts: leading", 3),
    ]
    assert card.total == 10
    fresh = scored(two_areas, manager, date(2025, 7, 1), {"Calendar": 1, "Forecasts": 1}, submit=False)
    assert next(line.process.advanced for line in assessment_scorecard(fresh, with_evidence=False).lines) == (
        "A rolling 18-month calendar"
    )


def test_a_submitted_assessment_no_longer_changes(two_areas, manager):
    assessment = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 2, "Budgets": 5, "Holdouts": 3})
    calendar = Process.objects.get(area__version=assessment.version, name="Calendar")
    with pytest.raises(ScorecardError, match="submitted"):
        assessment_score(assessment=assessment, user=manager, scores={calendar.pk: ScoreInput(score=5)})
    assert assessment.scores.get(process=calendar).score == 2


def test_it_will_not_submit_with_a_process_unscored(two_areas, manager):
    assessment = scored(two_areas, manager, date(2025, 6, 30), {"Calendar": 2}, submit=False)
    with pytest.raises(ScorecardError, match="still to score: Budgets, Holdouts"):
        assessment_submit(assessment=assessment, user=manager)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_a_score_outside_one_to_five_is_refused_with_the_process_named(two_areas, manager):
    assessment = scored(two_areas, manager, date(2025, 6, 30), {}, submit=False)
    calendar = Process.objects.get(area__version=assessment.version, name="Calendar")
    with pytest.raises(ScorecardError, match="Calendar: a score is 1 to 5, not 7"):
        assessment_score(assessment=assessment, user=manager, scores={calendar.pk: ScoreInput(score=7)})


def test_a_template_with_an_empty_level_is_refused_naming_the_row(admin_user, two_areas):
    with pytest.raises(ScorecardError, match="Planning, process 2: the Developing text is empty"):
        template_revise(
            template=two_areas,
            user=admin_user,
            name="Practice check",
            description="",
            areas=[{"name": "Planning", "processes": [process("Calendar"), {**process("Budgets"), "developing": " "}]}],
        )
    assert two_areas.versions.count() == 1


def test_the_two_shipped_scorecards_exist_once_whatever_the_seeding_runs():
    assert shipped_templates_ensure() == []  # the migration shipped them
    ScorecardTemplate.objects.all().delete()
    assert len(shipped_templates_ensure()) == 2
    assert shipped_templates_ensure() == []
    maturity = ScorecardTemplate.objects.get(name="Direct-marketing maturity").versions.get()
    assert [(area.name, [p.name for p in area.processes.all()]) for area in maturity.areas.all()] == [
        ("Strategy", ["Planning process", "Segment planning", "Strategic development"]),
        ("Campaign creation", ["Campaign planning", "Cross-channel"]),
        ("Campaign execution", ["Organisational readiness", "Response tracking"]),
        ("Campaign analysis", ["P&L and behaviour goals", "Continuous improvement"]),
    ]
    levers = ScorecardTemplate.objects.get(name="Retail growth levers").versions.get()
    assert [p.name for p in Process.objects.filter(area__version=levers)] == [
        "Traffic",
        "Conversion",
        "Basket size",
        "Margin",
    ]
