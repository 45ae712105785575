"""The demo's scorecards: the maturity scorecard filled a year ago and again at the end of the demo's history."""

from datetime import date

from django.contrib.auth import get_user_model

from scorecards.evidence import years_before
from scorecards.models import Assessment, ScorecardTemplate
from scorecards.services import (
    ScoreInput,
    assessment_create,
    assessment_score,
    assessment_submit,
    shipped_templates_ensure,
)

# Per process key: (score a year ago, its comment), (score now, its comment).
DEMO_SCORES = {
    "planning-process": (
        (2, "A yearly plan exists on paper; most campaigns were still decided month by month."),
        (3, "Each quarter's campaigns are planned in the desk; no what-if scenarios yet."),
    ),
    "segment-planning": (
        (1, "Groups by department and channel only."),
        (3, "Every lifecycle stage is a portfolio with an owner and a quarterly budget."),
    ),
    "strategic-development": ((1, "One channel per campaign."), (2, "A few campaigns combine e-mail and the app.")),
    "campaign-planning": (
        (2, "Briefs list the audience and the date, rarely a forecast."),
        (3, "Every campaign has an objective, a budget, a forecast and a holdout."),
    ),
    "cross-channel": (
        (1, "Channel teams send on their own calendars."),
        (2, "The contact policy caps contacts across channels."),
    ),
    "organisational-readiness": (
        (1, "Approvals by e-mail, with no owner."),
        (3, "Segment owners approve their portfolio's campaigns in the desk."),
    ),
    "response-tracking": (
        (2, "Redemptions counted; no control groups."),
        (4, "Every released treatment keeps a holdout and is measured against it."),
    ),
    "pl-behaviour-goals": ((1, "Revenue only."), (3, "Net incremental P&L for each measured campaign.")),
    "continuous-improvement": (
        (1, "Results not reviewed."),
        (3, "Head-to-head tests on the garden and second-order campaigns."),
    ),
}


def scorecards_demo_load(*, end: date) -> dict:
    """The shipped scorecards, then two submitted maturity assessments a year apart (once: a second run adds none)."""
    shipped_templates_ensure()
    maturity = ScorecardTemplate.objects.get(key="direct-marketing")
    if Assessment.objects.filter(version__template=maturity).exists():
        return {"assessments": 0}
    manager = get_user_model().objects.get(username="manager")
    for day, which in ((years_before(end, 1), 0), (end, 1)):
        assessment = assessment_create(user=manager, template=maturity, assessed_on=day)
        scores = {}
        for row in assessment.scores.select_related("process"):
            score, comment = DEMO_SCORES[row.process.key][which]
            scores[row.process_id] = ScoreInput(score=score, comment=comment)
        assessment_score(assessment=assessment, user=manager, scores=scores)
        assessment_submit(assessment=assessment, user=manager)
    return {"assessments": 2}
