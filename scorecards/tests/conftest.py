from datetime import date

import pytest

from scorecards.models import Assessment, ScorecardTemplate
from scorecards.services import ScoreInput, assessment_create, assessment_score, assessment_submit, template_create


def process(name: str, key: str = "") -> dict:
    return {
        "key": key,
        "name": name,
        "basic": f"{name}: ad hoc",
        "developing": f"{name}: routine",
        "advanced": f"{name}: leading",
    }


@pytest.fixture
def two_areas(admin_user) -> ScorecardTemplate:
    """Planning (Calendar, Budgets) and Testing (Holdouts): three processes in two areas."""
    return template_create(
        user=admin_user,
        name="Practice check",
        areas=[
            {"name": "Planning", "processes": [process("Calendar"), process("Budgets")]},
            {"name": "Testing", "processes": [process("Holdouts")]},
        ],
    )


def scored(template: ScorecardTemplate, user, day: date, scores: dict[str, int], *, submit: bool = True) -> Assessment:
    """An assessment of `template` on `day` with the given score per process name."""
    assessment = assessment_create(user=user, template=template, assessed_on=day)
    rows = {row.process.name: row.process_id for row in assessment.scores.select_related("process")}
    assessment_score(
        assessment=assessment,
        user=user,
        scores={rows[name]: ScoreInput(score=score, comment=f"{name} comment") for name, score in scores.items()},
    )
    if submit:
        assessment = assessment_submit(assessment=assessment, user=user)
    return assessment
