"""Reads of scorecards: templates, assessments, their totals, evidence and the comparison of two assessments."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from scorecards.evidence import Figure, measure_processes
from scorecards.models import Area, Assessment, Process, Score, ScorecardTemplate, TemplateVersion

LEVEL_NAMES = {"basic": "Basic", "developing": "Developing", "advanced": "Advanced"}


def templates() -> QuerySet[ScorecardTemplate]:
    return ScorecardTemplate.objects.all()


def template_get(template_id: int) -> ScorecardTemplate:
    return get_object_or_404(ScorecardTemplate, pk=template_id)


def current_version(template: ScorecardTemplate) -> TemplateVersion | None:
    return template.versions.order_by("-number").first()


def version_areas(version: TemplateVersion) -> list[Area]:
    return list(version.areas.prefetch_related("processes"))


@dataclass(frozen=True)
class AssessmentLine:
    """An assessment as the list shows it: its scorecard, day, totals and who made or submitted it."""

    pk: int
    template: str
    version: int
    assessed_on: date
    status: str
    total: int
    maximum: int
    scored: int
    by: str

    @property
    def submitted(self) -> bool:
        return self.status == Assessment.Status.SUBMITTED

    @property
    def average(self) -> float | None:
        return self.total / self.scored if self.scored else None


@dataclass(frozen=True)
class TemplateLine:
    pk: int
    name: str
    description: str
    version: int | None  # the current version's number


def _full_name(alias: str) -> str:
    """A person's full name as Django's get_full_name() gives it, or NULL when they have none."""
    return f"nullif(trim({alias}.first_name || ' ' || {alias}.last_name), '')"


_PEOPLE = get_user_model()._meta.db_table
# The list reads every assessment's totals in one statement: one query per assessment for its scores (and the
# frozen evidence of each, decoded for nothing) made the page the slowest of the rail.
ASSESSMENT_LINES_SQL = f"""
    SELECT a.id, t.name, v.number, a.assessed_on, a.status,
           coalesce(sum(s.score), 0), 5 * count(s.id), count(s.score),
           coalesce({_full_name("submitter")}, {_full_name("maker")}, maker.username)
    FROM {Assessment._meta.db_table} a
    JOIN {TemplateVersion._meta.db_table} v ON v.id = a.version_id
    JOIN {ScorecardTemplate._meta.db_table} t ON t.id = v.template_id
    JOIN {_PEOPLE} maker ON maker.id = a.created_by_id
    LEFT JOIN {_PEOPLE} submitter ON submitter.id = a.submitted_by_id
    LEFT JOIN {Score._meta.db_table} s ON s.assessment_id = a.id
    GROUP BY a.id, t.name, v.number, maker.id, submitter.id
    ORDER BY a.assessed_on DESC, a.id DESC
"""
TEMPLATE_LINES_SQL = f"""
    SELECT t.id, t.name, t.description,
           (SELECT max(number) FROM {TemplateVersion._meta.db_table} v WHERE v.template_id = t.id)
    FROM {ScorecardTemplate._meta.db_table} t
    ORDER BY t.name, t.id
"""


def assessment_lines() -> list[AssessmentLine]:
    with connection.cursor() as cursor:
        cursor.execute(ASSESSMENT_LINES_SQL)
        return [AssessmentLine(*row) for row in cursor.fetchall()]


def template_lines() -> list[TemplateLine]:
    """Every scorecard with the number of its current version."""
    with connection.cursor() as cursor:
        cursor.execute(TEMPLATE_LINES_SQL)
        return [TemplateLine(*row) for row in cursor.fetchall()]


def assessments() -> QuerySet[Assessment]:
    return Assessment.objects.select_related("version__template", "created_by", "submitted_by")


def assessment_get(assessment_id: int) -> Assessment:
    return get_object_or_404(assessments(), pk=assessment_id)


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The latest submitted assessment of the same scorecard made before this one."""
    return (
        assessments()
        .filter(
            version__template=assessment.version.template_id,
            status=Assessment.Status.SUBMITTED,
            assessed_on__lt=assessment.assessed_on,
        )
        .exclude(pk=assessment.pk)
        .order_by("-assessed_on", "-id")
        .first()
    )


@dataclass
class ProcessLine:
    process: Process
    score: Score
    figures: list[Figure]


@dataclass
class AreaTotal:
    area: Area
    lines: list[ProcessLine]

    @property
    def total(self) -> int:
        return sum(line.score.score or 0 for line in self.lines)

    @property
    def maximum(self) -> int:
        return 5 * len(self.lines)

    @property
    def scored(self) -> int:
        return sum(1 for line in self.lines if line.score.score is not None)

    @property
    def average(self) -> float | None:
        return self.total / self.scored if self.scored else None


@dataclass
class Scorecard:
    assessment: Assessment
    areas: list[AreaTotal]
    evidence_frozen: bool  # measured at submission, or measured just now for a draft

    @property
    def total(self) -> int:
        return sum(area.total for area in self.areas)

    @property
    def maximum(self) -> int:
        return sum(area.maximum for area in self.areas)

    @property
    def scored(self) -> int:
        return sum(area.scored for area in self.areas)

    @property
    def average(self) -> float | None:
        return self.total / self.scored if self.scored else None

    @property
    def lines(self) -> list[ProcessLine]:
        return [line for area in self.areas for line in area.lines]


def assessment_scorecard(assessment: Assessment, *, with_evidence: bool = True) -> Scorecard:
    """The assessment's areas, scores and totals; with the evidence frozen at submission or, for a draft, now."""
    scores = list(
        assessment.scores.select_related("process__area").order_by("process__area__position", "process__position")
    )
    frozen = assessment.submitted
    if not with_evidence:
        evidence: dict[str, list[Figure]] = {}
    elif frozen:
        evidence = assessment.evidence
    else:
        evidence = measure_processes([score.process.key for score in scores], assessment.assessed_on)
    areas: dict[int, AreaTotal] = {}
    for score in scores:
        area = areas.setdefault(score.process.area_id, AreaTotal(area=score.process.area, lines=[]))
        area.lines.append(ProcessLine(process=score.process, score=score, figures=evidence.get(score.process.key, [])))
    return Scorecard(assessment=assessment, areas=list(areas.values()), evidence_frozen=frozen)


# --- comparison -------------------------------------------------------------------------------------------------


@dataclass
class FigureChange:
    label: str
    before: Figure | None
    after: Figure | None
    change: float | None
    change_words: str

    @property
    def direction(self) -> int:
        """Up (1) when the level the evidence suggests rose, down (-1) when it fell, else 0."""
        ranks = {level: rank for rank, level in enumerate(LEVEL_NAMES)}
        before = ranks.get(self.before["level"]) if self.before else None
        after = ranks.get(self.after["level"]) if self.after else None
        if before is None or after is None:
            return 0
        return (after > before) - (after < before)


@dataclass
class ProcessChange:
    key: str
    name: str
    before: int | None
    after: int | None
    figures: list[FigureChange]

    @property
    def change(self) -> int | None:
        return self.after - self.before if self.after is not None and self.before is not None else None


@dataclass
class AreaChange:
    name: str
    processes: list[ProcessChange] = field(default_factory=list)

    @property
    def before(self) -> int:
        return sum(process.before or 0 for process in self.processes)

    @property
    def after(self) -> int:
        return sum(process.after or 0 for process in self.processes)

    @property
    def change(self) -> int:
        """Over the processes scored in both: a draft's unscored process is no fall."""
        return sum(process.change for process in self.processes if process.change is not None)


@dataclass
class Comparison:
    before: Scorecard
    after: Scorecard
    areas: list[AreaChange]

    @property
    def change(self) -> int:
        return sum(area.change for area in self.areas)


def figure_change(before: Figure | None, after: Figure | None) -> tuple[float | None, str]:
    """How far a piece of evidence moved, in its own unit: points for shares, amounts for money."""
    if not before or not after or before["value"] is None or after["value"] is None:
        return None, ""
    change = after["value"] - before["value"]
    if after["unit"] == "share":
        return change, f"{100 * change:+.1f} pts"
    if after["unit"] == "money":
        sign = "+" if change >= 0 else "-"
        return change, f"{sign}{abs(change) / 100:,.2f}"
    return change, f"{change:+,.2f}"


def _figure_changes(before: list[Figure], after: list[Figure]) -> list[FigureChange]:
    earlier = {figure["key"]: figure for figure in before}
    changes = []
    for figure in after:
        previous = earlier.pop(figure["key"], None)
        changes.append(FigureChange(figure["label"], previous, figure, *figure_change(previous, figure)))
    changes += [FigureChange(figure["label"], figure, None, None, "") for figure in earlier.values()]
    return changes


def assessments_compare(before: Assessment, after: Assessment) -> Comparison:
    """Two assessments of one scorecard side by side, process by process (matched by key across versions)."""
    old, new = assessment_scorecard(before), assessment_scorecard(after)
    earlier = {line.process.key: line for line in old.lines}
    areas: list[AreaChange] = []
    for area in new.areas:
        change = AreaChange(name=area.area.name)
        for line in area.lines:
            previous = earlier.pop(line.process.key, None)
            change.processes.append(
                ProcessChange(
                    key=line.process.key,
                    name=line.process.name,
                    before=previous.score.score if previous else None,
                    after=line.score.score,
                    figures=_figure_changes(previous.figures if previous else [], line.figures),
                )
            )
        areas.append(change)
    if earlier:
        gone = AreaChange(name="No longer in the scorecard")
        gone.processes = [
            ProcessChange(
                line.process.key, line.process.name, line.score.score, None, _figure_changes(line.figures, [])
            )
            for line in earlier.values()
        ]
        areas.append(gone)
    return Comparison(before=old, after=new, areas=areas)
