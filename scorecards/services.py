"""Writes to scorecards: the shipped templates, template versions, assessments, their scores and submission."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from scorecards.evidence import measure_processes
from scorecards.models import Area, Assessment, Process, Score, ScorecardTemplate, TemplateVersion
from scorecards.selectors import current_version
from scorecards.shipped import SHIPPED, AreaText


class ScorecardError(Exception):
    """What the rules of scorecards do not allow; the message says why, for the user."""


@dataclass(frozen=True)
class ScoreInput:
    score: int | None
    comment: str = ""
    evidence: str = ""


def _require(user: AbstractBaseUser, permission: str, refusal: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied(refusal)


def shipped_templates_ensure() -> list[ScorecardTemplate]:
    """Create the shipped scorecards that do not exist yet (by key); an existing one, edited or not, is left alone."""
    made = []
    for text in SHIPPED:
        if ScorecardTemplate.objects.filter(key=text["key"]).exists():
            continue
        template = ScorecardTemplate.objects.create(key=text["key"], name=text["name"], description=text["description"])
        _version_write(template=template, areas=text["areas"], user=None)
        made.append(template)
    return made


def _version_write(
    *, template: ScorecardTemplate, areas: list[AreaText], user: AbstractBaseUser | None
) -> TemplateVersion:
    number = (template.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = TemplateVersion.objects.create(template=template, number=number, created_by=user)
    for area_position, area_text in enumerate(areas, start=1):
        area = Area.objects.create(version=version, position=area_position, name=area_text["name"])
        Process.objects.bulk_create(
            Process(area=area, position=position, **process)
            for position, process in enumerate(area_text["processes"], start=1)
        )
    return version


def _checked_areas(areas: list[AreaText]) -> list[AreaText]:
    """The areas with their text trimmed and each new process given a key; a clear error naming the first gap."""
    if not areas:
        raise ScorecardError("A scorecard needs at least one area with one process.")
    keys: set[str] = set()
    checked: list[AreaText] = []
    for area_number, area in enumerate(areas, start=1):
        name = area["name"].strip()
        if not name:
            raise ScorecardError(f"Area {area_number}: give the area a name.")
        if not area["processes"]:
            raise ScorecardError(f"Area {area_number} ({name}): add at least one process.")
        processes = []
        for number, process in enumerate(area["processes"], start=1):
            where = f"{name}, process {number}"
            text = {field: process[field].strip() for field in ("name", "basic", "developing", "advanced")}
            for field, label in (
                ("name", "name"),
                ("basic", "Basic"),
                ("developing", "Developing"),
                ("advanced", "Advanced"),
            ):
                if not text[field]:
                    raise ScorecardError(f"{where}: the {label} text is empty.")
            key = process.get("key") or slugify(text["name"])[:64] or f"process-{area_number}-{number}"
            if key in keys:
                raise ScorecardError(f"{where} ({text['name']}): another process has the same name.")
            keys.add(key)
            processes.append({"key": key, **text})
        checked.append({"name": name, "processes": processes})
    return checked


@transaction.atomic
def template_create(
    *, user: AbstractBaseUser, name: str, description: str = "", areas: list[AreaText]
) -> ScorecardTemplate:
    _require(user, "scorecards.change_template", "Only admins may add scorecard templates.")
    name = name.strip()
    if not name:
        raise ScorecardError("Give the scorecard a name.")
    key = slugify(name)[:64]
    if not key or ScorecardTemplate.objects.filter(key=key).exists():
        raise ScorecardError(f"A scorecard called {name!r} exists already.")
    checked = _checked_areas(areas)
    template = ScorecardTemplate.objects.create(key=key, name=name, description=description.strip())
    _version_write(template=template, areas=checked, user=user)
    return template


@transaction.atomic
def template_revise(
    *, template: ScorecardTemplate, user: AbstractBaseUser, name: str, description: str, areas: list[AreaText]
) -> TemplateVersion:
    """A new version of the template with this text. Assessments keep the version they were made on."""
    _require(user, "scorecards.change_template", "Only admins may edit scorecard templates.")
    template = ScorecardTemplate.objects.select_for_update().get(pk=template.pk)
    if not name.strip():
        raise ScorecardError("Give the scorecard a name.")
    checked = _checked_areas(areas)
    template.name, template.description = name.strip(), description.strip()
    template.save(update_fields=["name", "description"])
    return _version_write(template=template, areas=checked, user=user)


@transaction.atomic
def assessment_create(*, user: AbstractBaseUser, template: ScorecardTemplate, assessed_on: date) -> Assessment:
    """A draft assessment on the template's current version, with an empty score for each process."""
    _require(user, "scorecards.assess", "Only managers and admins may create assessments.")
    if assessed_on > timezone.localdate():
        raise ScorecardError("The assessment date is in the future: assess what has happened so far.")
    version = current_version(template)
    assessment = Assessment.objects.create(version=version, assessed_on=assessed_on, created_by=user)
    Score.objects.bulk_create(
        Score(assessment=assessment, process=process) for process in Process.objects.filter(area__version=version)
    )
    return assessment


def _draft(assessment: Assessment) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.submitted:
        raise ScorecardError("This assessment was submitted: it can no longer change.")
    return assessment


@transaction.atomic
def assessment_score(*, assessment: Assessment, user: AbstractBaseUser, scores: dict[int, ScoreInput]) -> Assessment:
    """Save the scores, comments and evidence of a draft, per process id; processes not given keep theirs."""
    _require(user, "scorecards.assess", "Only managers and admins may score assessments.")
    assessment = _draft(assessment)
    rows = {row.process_id: row for row in assessment.scores.select_related("process")}
    for process_id, given in scores.items():
        row = rows.get(process_id)
        if row is None:
            raise ScorecardError(f"Process {process_id} is not part of this assessment's scorecard.")
        if given.score is not None and not 1 <= given.score <= 5:
            raise ScorecardError(f"{row.process.name}: a score is 1 to 5, not {given.score}.")
        row.score, row.comment, row.evidence = given.score, given.comment.strip(), given.evidence.strip()
    Score.objects.bulk_update(rows.values(), ["score", "comment", "evidence"])
    return assessment


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user: AbstractBaseUser) -> Assessment:
    """Submit a fully scored draft, freezing the evidence measured now so later comparisons read what was seen."""
    _require(user, "scorecards.assess", "Only managers and admins may submit assessments.")
    assessment = _draft(assessment)
    unscored = list(assessment.scores.filter(score__isnull=True).values_list("process__name", flat=True))
    if unscored:
        raise ScorecardError("Score every process before submitting; still to score: " + ", ".join(unscored) + ".")
    keys = list(Process.objects.filter(area__version=assessment.version_id).values_list("key", flat=True))
    assessment.evidence = measure_processes(keys, assessment.assessed_on)
    assessment.status, assessment.submitted_by, assessment.submitted_at = (
        Assessment.Status.SUBMITTED,
        user,
        timezone.now(),
    )
    assessment.save(update_fields=["evidence", "status", "submitted_by", "submitted_at"])
    return assessment


@transaction.atomic
def assessment_delete(*, assessment: Assessment, user: AbstractBaseUser) -> None:
    _require(user, "scorecards.assess", "Only managers and admins may delete assessments.")
    _draft(assessment).delete()
