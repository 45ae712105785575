"""The scorecard pages: the history, filling an assessment area by area, its detail, a comparison, a print view
and, for admins, a template's text."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from scorecards import selectors
from scorecards.charts import radar
from scorecards.forms import (
    AreaScoresForm,
    AssessmentStartForm,
    ProcessRows,
    TemplateForm,
    areas_from_rows,
    process_rows_initial,
)
from scorecards.models import Assessment, ScorecardTemplate
from scorecards.selectors import LEVEL_NAMES
from scorecards.services import (
    ScorecardError,
    assessment_create,
    assessment_delete,
    assessment_score,
    assessment_submit,
    template_create,
    template_revise,
)

VIEW = "scorecards.view_scorecards"


@permission_required(VIEW, raise_exception=True)
def assessment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "scorecards/list.html",
        {
            "rows": selectors.assessment_lines(),
            "templates": selectors.template_lines(),
            "start_form": AssessmentStartForm(),
            "may_assess": request.user.has_perm("scorecards.assess"),
        },
    )


@require_POST
@permission_required("scorecards.assess", raise_exception=True)
def assessment_start(request: HttpRequest) -> HttpResponse:
    form = AssessmentStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a scorecard and the date of the assessment.")
        return redirect("scorecards:list")
    try:
        assessment = assessment_create(
            user=request.user, template=form.cleaned_data["template"], assessed_on=form.cleaned_data["assessed_on"]
        )
    except ScorecardError as error:
        messages.error(request, str(error))
        return redirect("scorecards:list")
    return redirect("scorecards:fill", assessment.pk)


@permission_required(VIEW, raise_exception=True)
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(assessment_id)
    card = selectors.assessment_scorecard(assessment)
    previous = selectors.previous_assessment(assessment)
    cards = [card] + ([selectors.assessment_scorecard(previous, with_evidence=False)] if previous else [])
    return render(
        request,
        "scorecards/detail.html",
        {
            "assessment": assessment,
            "card": card,
            "previous": previous,
            "radar": radar(*cards),
            "levels": LEVEL_NAMES,
            "may_assess": request.user.has_perm("scorecards.assess"),
        },
    )


def _area_number(request: HttpRequest, count: int) -> int:
    try:
        number = int(request.GET.get("area") or request.POST.get("area") or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), count)


@permission_required("scorecards.assess", raise_exception=True)
def assessment_fill(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """One area of a draft per screen: its processes' scores, comments and evidence; saved when moving on."""
    assessment = selectors.assessment_get(assessment_id)
    if assessment.submitted:
        messages.info(request, "This assessment was submitted; it is shown as it was.")
        return redirect("scorecards:detail", assessment.pk)
    card = selectors.assessment_scorecard(assessment)
    number = _area_number(request, len(card.areas))
    area = card.areas[number - 1]
    processes = [line.process for line in area.lines]
    if request.method == "POST":
        form = AreaScoresForm(request.POST, processes=processes)
        if form.is_valid():
            try:
                assessment_score(assessment=assessment, user=request.user, scores=form.scores())
                return _after_saving(request, assessment, number, len(card.areas))
            except ScorecardError as error:
                messages.error(request, str(error))
    else:
        form = AreaScoresForm(processes=processes)
    return render(
        request,
        "scorecards/fill.html",
        {"assessment": assessment, "card": card, "area": area, "number": number, "form": form, "levels": LEVEL_NAMES},
    )


def _after_saving(request: HttpRequest, assessment: Assessment, number: int, count: int) -> HttpResponse:
    action = request.POST.get("action", "next")
    if action == "submit":
        try:
            assessment_submit(assessment=assessment, user=request.user)
        except ScorecardError as error:
            messages.error(request, str(error))
            return redirect(f"{_fill_url(assessment)}?area={number}")
        messages.success(request, "Assessment submitted; its evidence is kept as measured today.")
        return redirect("scorecards:detail", assessment.pk)
    if action.startswith("area-") and action[5:].isdigit():
        target = int(action[5:])
    else:
        target = {"previous": number - 1, "next": number + 1}.get(action, number)
    if target > count:
        messages.success(request, "Every area is saved. Submit when the scores are final.")
        return redirect("scorecards:detail", assessment.pk)
    return redirect(f"{_fill_url(assessment)}?area={max(target, 1)}")


def _fill_url(assessment: Assessment) -> str:
    return reverse("scorecards:fill", args=[assessment.pk])


@require_POST
@permission_required("scorecards.assess", raise_exception=True)
def assessment_submit_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(assessment_id)
    try:
        assessment_submit(assessment=assessment, user=request.user)
        messages.success(request, "Assessment submitted; its evidence is kept as measured today.")
    except ScorecardError as error:
        messages.error(request, str(error))
    return redirect("scorecards:detail", assessment.pk)


@require_POST
@permission_required("scorecards.assess", raise_exception=True)
def assessment_delete_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(assessment_id)
    try:
        assessment_delete(assessment=assessment, user=request.user)
        messages.success(request, "Draft deleted.")
    except ScorecardError as error:
        messages.error(request, str(error))
        return redirect("scorecards:detail", assessment.pk)
    return redirect("scorecards:list")


@permission_required(VIEW, raise_exception=True)
def assessment_compare(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """This assessment against another of the same scorecard: by default the latest submitted one before it."""
    after = selectors.assessment_get(assessment_id)
    others = selectors.assessments().filter(version__template=after.version.template_id).exclude(pk=after.pk)
    chosen = request.GET.get("with")
    if chosen and chosen.isdigit():
        before = others.filter(pk=chosen).first()
    else:  # the one before it, or for the first assessment the latest after it
        latest = others.filter(status=Assessment.Status.SUBMITTED).first() or others.first()
        before = selectors.previous_assessment(after) or latest
    context = {"assessment": after, "others": others, "before": before, "levels": LEVEL_NAMES}
    if before is not None:
        earlier, later = sorted((before, after), key=lambda each: (each.assessed_on, each.pk))
        comparison = selectors.assessments_compare(earlier, later)
        context |= {"comparison": comparison, "radar": radar(comparison.after, comparison.before)}
    return render(request, "scorecards/compare.html", context)


@permission_required(VIEW, raise_exception=True)
def assessment_print(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(assessment_id)
    card = selectors.assessment_scorecard(assessment)
    return render(
        request,
        "scorecards/print.html",
        {
            "assessment": assessment,
            "card": card,
            "radar": _print_figure(radar(card, height=300)),
            "levels": LEVEL_NAMES,
        },
    )


def _template_page(request: HttpRequest, template: ScorecardTemplate | None) -> HttpResponse:
    if not request.user.has_perm("scorecards.change_template"):
        raise PermissionDenied
    version = selectors.current_version(template) if template else None
    initial = process_rows_initial(selectors.version_areas(version)) if version else []
    heading = {"name": template.name, "description": template.description} if template else None
    form = TemplateForm(request.POST or None, initial=heading)
    rows = ProcessRows(request.POST or None, initial=initial, prefix="rows")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        text = {
            "user": request.user,
            "name": form.cleaned_data["name"],
            "description": form.cleaned_data["description"],
            "areas": areas_from_rows(rows),
        }
        try:
            if template:
                saved = template_revise(template=template, **text)
                messages.success(request, f"Saved as version {saved.number}; earlier assessments keep their version.")
            else:
                template = template_create(**text)
                messages.success(request, "Scorecard added.")
            return redirect("scorecards:template_edit", template.pk)
        except ScorecardError as error:
            messages.error(request, str(error))
    return render(
        request, "scorecards/template_edit.html", {"template": template, "version": version, "form": form, "rows": rows}
    )


def template_new(request: HttpRequest) -> HttpResponse:
    return _template_page(request, None)


def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    return _template_page(request, selectors.template_get(template_id))


def _print_figure(figure: dict) -> dict:
    """On paper a chart is a picture: no toolbar, no hover, and the width of the page it is printed on."""
    figure["layout"].pop("height", None)
    figure["config"] = {**figure.get("config", {}), "staticPlot": True}
    return figure
