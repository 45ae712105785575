import csv
from itertools import pairwise

import plotly.graph_objects as go
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from campaigns import selectors
from campaigns.forms import (
    CampaignCopyForm,
    CampaignForm,
    ChannelCapsForm,
    CommentForm,
    ContactPolicyForm,
    SuppressionForm,
    TestDesignForm,
    TreatmentForm,
)
from campaigns.grids import campaign_grid, campaign_row
from campaigns.models import Campaign, Channel, Suppression, Treatment
from campaigns.services import (
    CampaignError,
    campaign_approve,
    campaign_close,
    campaign_create,
    campaign_reject,
    campaign_release,
    campaign_submit,
    campaign_test_design_update,
    contact_policy,
    contact_policy_update,
    suppression_add,
    suppression_remove,
    treatment_save,
)
from campaigns.services.drafts import campaign_cancel, campaign_copy, campaign_delete, campaign_update
from campaigns.services.pressure import channel_caps
from campaigns.services.release import budget_position, current_allocation, planned_cost_cents
from campaigns.tasks import audience_build_enqueue, offer_allocation_enqueue
from core.charts import figure_data
from core.grids import grid_context, grid_json, grid_page
from core.idempotency import sent_once
from core.models import Job
from core.panels import panels_render
from core.selectors import jobs_visible_to
from customers.selectors import topics as customer_topics

WATERFALL_STEPS = [
    ("suppressed", "Suppressed"),
    ("global_control", "Global control"),
    ("no_consent", "No consent"),
    ("topic_opt_out", "Topic opt-out"),
    ("channel_fatigue", "Fatigue on the channel"),
    ("fatigue", "Fatigue overall"),
    ("higher_priority", "Higher-priority treatment"),
]


@permission_required("campaigns.view_campaigns", raise_exception=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    grid = campaign_grid()
    first = grid_page(grid, selectors.campaigns_for_grid(), QueryDict(), lambda row: campaign_row(row, request.user))
    context = {"grid": grid_context(grid, first["data"], rows_url=reverse("campaigns:rows"), count=first["count"])}
    return render(request, "campaigns/campaign_list.html", context)


@permission_required("campaigns.view_campaigns", raise_exception=True)
def campaign_rows(request: HttpRequest) -> HttpResponse:
    """A page of the campaign list, sorted and filtered as the grid asks."""
    grid = campaign_grid()
    return grid_json(grid, selectors.campaigns_for_grid(), request.GET, lambda row: campaign_row(row, request.user))


@permission_required("campaigns.add_campaign", raise_exception=True)
@sent_once
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(owner=request.user, **form.cleaned_data)
        except CampaignError as error:
            form.add_error(None, str(error))
        else:
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@permission_required("campaigns.view_campaigns", raise_exception=True)
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _changeable(request, campaign_id)
    form = CampaignForm(request.POST or None, instance=selectors.campaign_get(campaign_id))
    if request.method == "POST" and form.is_valid():
        try:
            campaign_update(campaign=campaign, user=request.user, **form.cleaned_data)
        except CampaignError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Campaign saved.")
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@permission_required("campaigns.add_campaign", raise_exception=True)
def campaign_copy_new(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(campaign_id)
    initial = {"name": f"{campaign.name} (copy)", "start_date": campaign.start_date, "end_date": campaign.end_date}
    form = CampaignCopyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            copy = campaign_copy(campaign=campaign, user=request.user, **form.cleaned_data)
        except CampaignError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"A new draft copied from {campaign.name}, with its treatments.")
            return redirect("campaigns:detail", campaign_id=copy.pk)
    return render(request, "campaigns/campaign_copy.html", {"form": form, "campaign": campaign})


@require_POST
@permission_required("campaigns.view_campaigns", raise_exception=True)
def campaign_delete_draft(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _changeable(request, campaign_id)
    try:
        campaign_delete(campaign=campaign, user=request.user)
    except CampaignError as error:
        messages.error(request, str(error))
        return redirect("campaigns:detail", campaign_id=campaign_id)
    messages.info(request, f"Draft {campaign.name} deleted.")
    return redirect("campaigns:list")


def _waterfall_steps(campaign: Campaign) -> list[tuple[str, str]]:
    """The exclusions in the order the build applies them; a shared control randomises instead of ranking."""
    if not campaign.shares_control:
        return WATERFALL_STEPS
    return [*WATERFALL_STEPS[:-1], ("higher_priority", "Drawn for another treatment")]


def _waterfall(code: str, counts: dict, steps: list[tuple[str, str]]) -> dict:
    # Builds made before a reason existed did not count it: their waterfall leaves the step out.
    steps = [(key, label) for key, label in steps if key in counts]
    labels = ["Segment", *(label for _, label in steps), "Eligible", "Holdout (control)", "Contacted"]
    values = [counts["segment"], *(-counts[key] for key, _ in steps), None, -counts["control"], None]
    figure = go.Figure(
        go.Waterfall(
            x=labels,
            y=[value or 0 for value in values],
            measure=["absolute", *(["relative"] * len(steps)), "total", "relative", "total"],
            text=[f"{abs(value):,}" if value is not None else "" for value in values],
            textposition="outside",
            decreasing={"marker": {"color": "#dc2626"}},
            totals={"marker": {"color": "#2563eb"}},
        )
    )
    figure.update_layout(title=f"Treatment {code}: from segment to contacts", showlegend=False)
    return figure_data(figure, height=300)


@permission_required("campaigns.view_campaigns", raise_exception=True)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(campaign_id)
    build = selectors.latest_build(campaign)
    treatments = list(campaign.treatments.select_related("segment", "offer"))
    context = {
        "campaign": campaign,
        "treatments": treatments,
        "build": build,
        "sizes": selectors.audience_sizes(campaign),
        "steps": _waterfall_steps(campaign),
        "exclusions": [
            (code, counts, [(key, counts.get(key)) for key, _ in _waterfall_steps(campaign)])
            for code, counts in (build.counts.items() if build else [])
        ],
        "waterfalls": [
            {"id": f"chart-waterfall-{code}", "figure": _waterfall(code, counts, _waterfall_steps(campaign))}
            for code, counts in (build.counts.items() if build else [])
        ],
        "balance": [(treatment, build.balance.get(str(treatment.pk))) for treatment in treatments] if build else [],
        "channels": selectors.contact_channels(campaign),
        "planned_cents": planned_cost_cents(campaign) if build else 0,
        "budget": budget_position(portfolio_id=campaign.portfolio_id, year=campaign.year, quarter=campaign.quarter)
        if campaign.portfolio_id
        else {"budget": 0, "committed": 0, "remaining": 0},
        "may_change": request.user.has_perm("campaigns.change_campaign", campaign),
        "may_approve": request.user.has_perm("campaigns.approve_campaign", campaign),
        "may_download": request.user.has_perm("campaigns.download_contacts", campaign),
        "history": campaign.history.select_related("history_user")[:30],
        "comment_form": CommentForm(),
        "job": _job_of(request),
        "release_consequences": selectors.release_consequences(campaign)
        if campaign.status in (Campaign.Status.APPROVED, Campaign.Status.AUDIENCE_BUILT)
        else [],
        "close_consequences": selectors.close_consequences(campaign)
        if campaign.status in (Campaign.Status.RELEASED, Campaign.Status.MEASURING)
        else [],
        "cancel_consequences": selectors.cancel_consequences(campaign),
        "delete_consequences": selectors.delete_consequences(campaign) if campaign.editable else [],
        "may_copy": request.user.has_perm("campaigns.add_campaign"),
        # What the campaign is forecast to return and measured returning is reporting's: it adds it as a panel.
        "main_panels": panels_render("campaign.main", request, campaign),
    }
    return render(request, "campaigns/campaign_detail.html", context)


def _job_of(request: HttpRequest) -> Job | None:
    job_id = request.GET.get("job", "")
    return jobs_visible_to(request.user).filter(pk=int(job_id)).first() if job_id.isdigit() else None


def _changeable(request: HttpRequest, campaign_id: int, permission: str = "campaigns.change_campaign") -> Campaign:
    campaign = selectors.campaign_get(campaign_id)
    if not request.user.has_perm(permission, campaign):
        raise PermissionDenied("Your role does not allow this on this campaign.")
    return campaign


@permission_required("campaigns.view_campaigns", raise_exception=True)
@sent_once
def treatment_edit(request: HttpRequest, campaign_id: int, treatment_id: int | None = None) -> HttpResponse:
    campaign = _changeable(request, campaign_id)
    treatment = get_object_or_404(Treatment, pk=treatment_id, campaign=campaign) if treatment_id else None
    form = TreatmentForm(request.POST or None, instance=treatment)
    if request.method == "POST" and form.is_valid():
        try:
            treatment_save(
                campaign=campaign,
                treatment=treatment,
                without_control=form.without_control(),
                **form.treatment_fields(),
            )
        except CampaignError as error:
            form.add_error(None, str(error))
        except Exception as error:  # model validation from full_clean
            if not hasattr(error, "message_dict"):
                raise
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Treatment saved.")
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    context = {"campaign": campaign, "treatment": treatment, "form": form, "topics": customer_topics()}
    return render(request, "campaigns/treatment_form.html", context)


@permission_required("campaigns.view_campaigns", raise_exception=True)
def offer_allocation(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A campaign's offers: what each offer gave against its caps, the gap to the bound, what caps are worth."""
    campaign = selectors.campaign_get(campaign_id)
    run = selectors.latest_allocation(campaign)
    context = {
        "campaign": campaign,
        "run": run,
        "current": current_allocation(campaign),
        "offers": selectors.allocation_offer_rows(run) if run else [],
        "treatments": campaign.treatments.filter(offer_strategy=Treatment.OfferStrategy.BEST_N),
        "chart": _allocation_chart(run) if run else None,
        "may_change": request.user.has_perm("campaigns.change_campaign", campaign),
        "job": selectors.allocation_job_pending(campaign, request.user) or _job_of(request),
        "failure": selectors.allocation_failure(campaign),
    }
    return render(request, "campaigns/offer_allocation.html", context)


def _allocation_chart(run) -> dict:
    edges, members = run.distribution.get("edges", []), run.distribution.get("members", [])
    labels = []
    for low, high in pairwise(edges):
        if low is None:
            labels.append("0 or less")
        elif high is None:
            labels.append(f"{low / 100:,.2f} or more")
        else:
            labels.append(f"{low / 100:,.2f} to {high / 100:,.2f}")
    figure = go.Figure(go.Bar(x=labels, y=members, marker_color="#2563eb"))
    figure.update_layout(
        title="Members by the expected value of their offers", xaxis_title="expected value", yaxis_title="members"
    )
    return {"id": "chart-allocation", "figure": figure_data(figure, height=300)}


@require_POST
@permission_required("campaigns.view_campaigns", raise_exception=True)
def offer_allocation_start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _changeable(request, campaign_id)
    if not campaign.builds.exists():
        messages.error(request, "Build the audience first: offers are allocated to its members.")
        return redirect("campaigns:offers", campaign_id=campaign.pk)
    job = offer_allocation_enqueue(campaign=campaign, owner=request.user)
    return redirect(f"{reverse('campaigns:offers', args=[campaign.pk])}?job={job.pk}")


@permission_required("campaigns.view_campaigns", raise_exception=True)
def test_design_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _changeable(request, campaign_id)
    form = TestDesignForm(request.POST or None, instance=selectors.campaign_get(campaign_id))
    if request.method == "POST" and form.is_valid():
        try:
            campaign_test_design_update(campaign=campaign, **form.cleaned_data)
        except CampaignError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Test design saved.")
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/test_design_form.html", {"campaign": campaign, "form": form})


@require_POST
@permission_required("campaigns.view_campaigns", raise_exception=True)
def campaign_action(request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
    """Workflow buttons: each checks who asks, then the service checks whether the campaign allows it."""
    comment = request.POST.get("comment", "")
    try:
        if action == "approve":
            campaign_approve(
                campaign=_changeable(request, campaign_id, "campaigns.approve_campaign"),
                user=request.user,
                comment=comment,
            )
            messages.success(request, "Campaign approved.")
        elif action == "reject":
            campaign_reject(
                campaign=_changeable(request, campaign_id, "campaigns.approve_campaign"),
                user=request.user,
                reason=comment,
            )
            messages.info(request, "Campaign sent back to draft.")
        elif action == "submit":
            campaign_submit(campaign=_changeable(request, campaign_id), user=request.user)
            messages.success(request, "Campaign submitted for approval.")
        elif action == "build":
            job = audience_build_enqueue(campaign=_changeable(request, campaign_id), owner=request.user)
            messages.info(request, "The audience is being built; this page shows it when the job ends.")
            return redirect(f"{reverse('campaigns:detail', args=[campaign_id])}?job={job.pk}#audience")
        elif action == "release":
            campaign_release(campaign=_changeable(request, campaign_id), user=request.user)
            messages.success(request, "Campaign released: contact files are ready.")
        elif action == "close":
            campaign_close(campaign=_changeable(request, campaign_id), user=request.user)
            messages.info(request, "Campaign closed.")
        elif action == "cancel":
            campaign_cancel(campaign=_changeable(request, campaign_id), user=request.user, reason=comment)
            messages.info(request, "Campaign cancelled.")
        else:
            raise PermissionDenied("Unknown action.")
    except CampaignError as error:
        messages.error(request, str(error))
    # Decisions taken from the inbox go back to it.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("campaigns:detail", campaign_id=campaign_id)


@permission_required("campaigns.view_campaigns", raise_exception=True)
def contact_file(request: HttpRequest, campaign_id: int, channel: str) -> StreamingHttpResponse:
    campaign = _changeable(request, campaign_id, "campaigns.download_contacts")
    if channel not in Channel.values:
        raise PermissionDenied("Unknown channel.")

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in selectors.contact_file_rows(campaign, channel)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-{channel}.csv"'
    return response


@permission_required("campaigns.view_campaigns", raise_exception=True)
def policy(request: HttpRequest) -> HttpResponse:
    may_change = request.user.has_perm("campaigns.change_policy")
    current, caps = contact_policy(), channel_caps()
    form = ContactPolicyForm(request.POST or None, instance=current)
    caps_form = ChannelCapsForm(request.POST or None, caps=caps, prefix="cap")
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only managers change the contact policy.")
        if form.is_valid() and caps_form.is_valid():
            contact_policy_update(channel_caps=caps_form.channel_caps(), **form.cleaned_data)
            messages.success(request, "Contact policy saved. It applies to the next audience builds and releases.")
            return redirect("campaigns:policy")
    context = {
        "form": form,
        "caps_form": caps_form,
        "rules": selectors.policy_rules(current, caps),
        "may_change": may_change,
        "history": current.history.all()[:20],
    }
    return render(request, "campaigns/policy.html", context)


@permission_required("campaigns.view_campaigns", raise_exception=True)
def suppression_list(request: HttpRequest) -> HttpResponse:
    may_change = request.user.has_perm("campaigns.change_suppressions")
    form = SuppressionForm(request.POST or None)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only managers and admins change the suppression list.")
        if form.is_valid():
            try:
                suppression_add(
                    external_id=form.cleaned_data["customer"], reason=form.cleaned_data["reason"], user=request.user
                )
            except CampaignError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Customer added to the suppression list.")
                return redirect("campaigns:suppressions")
    suppressions = selectors.suppressions_list()
    context = {"form": form, "may_change": may_change, "suppressions": suppressions[:500]}
    return render(request, "campaigns/suppressions.html", context | {"total": suppressions.count()})


@require_POST
@permission_required("campaigns.change_suppressions", raise_exception=True)
def suppression_delete(request: HttpRequest, suppression_id: int) -> HttpResponse:
    suppression = get_object_or_404(Suppression, pk=suppression_id)
    suppression_remove(suppression=suppression, user=request.user)
    messages.info(request, f"Customer {suppression.customer.external_id} may be contacted again.")
    return redirect("campaigns:suppressions")
