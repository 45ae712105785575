"""Writes to scenarios: make one from the plan or another scenario, change its assumptions and campaigns, and
promote it to be the plan. Only managers write; a promoted scenario is the record of what was decided and
changes no more."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Abs, Greatest, Least
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import CampaignError, campaign_cancel, campaign_create, treatment_save
from campaigns.services.workflow import campaign_reschedule, dates_check
from core.lib.history import recorded
from core.lib.quarters import quarter_bounds
from core.roles import is_manager
from customers.models import Channel
from reporting.forecast import Inputs
from reporting.history import past_history
from reporting.models import Scenario, ScenarioCampaign, ScenarioTreatment
from reporting.scenarios import CampaignLine, TreatmentLine, plan_version, scenario_version

# A scenario may drop a campaign only while the plan may still cancel it.
DROPPABLE = (Campaign.Status.DRAFT, Campaign.Status.SUBMITTED, Campaign.Status.APPROVED)
INPUTS = {
    "contacts": "Contacts",
    "response_rate": "Incremental response rate",
    "order_value_cents": "Order value",
    "margin_rate": "Margin rate",
    "cost_per_contact_cents": "Cost per contact",
    "cost_per_redemption_cents": "Cost per redemption",
    "holdout_share": "Holdout",
}
# How close a typed input must come to the one in place to be the same: a little over half the last decimal the
# form shows, in the model's units, so that a form sent back untouched changes nothing.
PRECISION = {
    "contacts": 0.5,
    "response_rate": 6e-6,
    "order_value_cents": 0.6,
    "margin_rate": 6e-5,
    "cost_per_contact_cents": 0.006,
    "cost_per_redemption_cents": 0.6,
    "holdout_share": 6e-4,
}


class ScenarioError(Exception):
    """A change the rules do not allow; the message says why, for the user."""


def _manager_check(user: AbstractBaseUser, action: str) -> None:
    if not is_manager(user):
        raise ScenarioError(f"Only a manager {action}.")


def _open_check(scenario: Scenario) -> None:
    if scenario.promoted_at:
        raise ScenarioError(f"{scenario.name} was promoted to be the plan and changes no more: copy it to go on.")


@transaction.atomic
def scenario_create(
    *,
    user: AbstractBaseUser,
    name: str,
    year: int | None = None,
    quarter: int | None = None,
    copy_of: Scenario | None = None,
    description: str = "",
) -> Scenario:
    """A scenario of a quarter's plan as it stands, or a deep copy of another scenario (assumptions, campaigns,
    treatments and what it drops or adds): later changes to either never reach the other, nor the plan."""
    _manager_check(user, "makes scenarios")
    if not name.strip():
        raise ScenarioError("Give the scenario a name.")
    if copy_of is not None:
        year, quarter = copy_of.year, copy_of.quarter
    if year is None or quarter is None or not 1 <= quarter <= 4:
        raise ScenarioError("Say which quarter the scenario plans.")
    scenario = Scenario(name=name.strip(), year=year, quarter=quarter, description=description, created_by=user)
    if copy_of is not None:
        scenario.copied_from = copy_of
        scenario.response_change, scenario.order_value_change = copy_of.response_change, copy_of.order_value_change
        scenario.margin_change, scenario.cost_changes = copy_of.margin_change, dict(copy_of.cost_changes or {})
    scenario.full_clean()
    recorded(scenario, user=user, why=f"Copied from {copy_of.name}" if copy_of else "Made from the plan").save()
    version = scenario_version(copy_of) if copy_of is not None else plan_version(year, quarter)
    _lines_write(scenario, version.campaigns)
    return scenario


def _lines_write(scenario: Scenario, lines: list[CampaignLine]) -> None:
    """The lines as the scenario's own rows: one insert of campaigns, one of treatments."""
    campaigns = ScenarioCampaign.objects.bulk_create(
        ScenarioCampaign(
            scenario=scenario,
            campaign_id=line.campaign_id,
            template_id=line.template_id,
            name=line.name,
            portfolio_id=line.portfolio_id,
            start_date=line.start_date,
            end_date=line.end_date,
            send_date=line.send_date,
            status=line.status,
            released=line.released,
            dropped=line.dropped,
            dates_changed=line.dates_changed,
        )
        for line in lines
    )
    ScenarioTreatment.objects.bulk_create(
        ScenarioTreatment(
            scenario_campaign=row,
            treatment_id=one.treatment_id,
            code=one.code,
            channel=one.channel,
            stage_id=one.stage_id,
            contacts=one.inputs.contacts,
            exact=one.exact,
            response_rate=one.inputs.response_rate,
            response_low=one.inputs.response_rate if one.inputs.response_low is None else one.inputs.response_low,
            response_high=one.inputs.response_rate if one.inputs.response_high is None else one.inputs.response_high,
            order_value_cents=one.inputs.order_value_cents,
            margin_rate=one.inputs.margin_rate,
            cost_per_contact_cents=one.inputs.cost_per_contact_cents,
            cost_per_redemption_cents=one.inputs.cost_per_redemption_cents,
            committed_cents=one.inputs.committed_cents,
            results=one.results,
            changed=one.changed,
            holdout_share=one.holdout_share,
            changed_inputs=list(one.changed_inputs),
        )
        for row, line in zip(campaigns, lines, strict=True)
        for one in line.treatments
    )


def _percent(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except ArithmeticError as error:
        raise ScenarioError(f"{label}: {value!r} is not a number of percent.") from error
    if not Decimal(-100) <= number <= Decimal(500):
        raise ScenarioError(f"{label}: a change of {number}% is out of range (-100% to +500%).")
    return number.quantize(Decimal("0.1"))


@transaction.atomic
def scenario_assumptions_update(
    *,
    scenario: Scenario,
    user: AbstractBaseUser,
    response_change: Any = 0,
    order_value_change: Any = 0,
    margin_change: Any = 0,
    cost_changes: dict[str, Any] | None = None,
) -> Scenario:
    """The scenario's global assumptions, as percentage changes to every campaign's inputs."""
    _manager_check(user, "changes a scenario")
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    _open_check(scenario)
    scenario.response_change = _percent(response_change, "Response rate")
    scenario.order_value_change = _percent(order_value_change, "Order value")
    scenario.margin_change = _percent(margin_change, "Margin rate")
    costs = {}
    for channel, change in (cost_changes or {}).items():
        if channel not in Channel.values:
            raise ScenarioError(f"There is no channel called {channel!r}.")
        number = _percent(change, f"Cost per contact, {Channel(channel).label}")
        if number:
            costs[channel] = float(number)
    scenario.cost_changes = costs
    recorded(scenario, user=user, why="Assumptions changed").save()
    return scenario


def _campaign_of(scenario: Scenario, scenario_campaign_id: int) -> ScenarioCampaign:
    row = ScenarioCampaign.objects.filter(scenario=scenario, pk=scenario_campaign_id).first()
    if row is None:
        raise ScenarioError("That campaign is not in this scenario.")
    return row


def _drop_check(row: ScenarioCampaign) -> None:
    if not row.added and row.status not in DROPPABLE:
        raise ScenarioError(
            f"{row.name} is {Campaign.Status(row.status).label.lower()}: only a campaign not yet approved for good "
            "(draft, submitted or approved) can be dropped."
        )


@transaction.atomic
def scenario_campaign_drop(
    *, scenario: Scenario, user: AbstractBaseUser, scenario_campaign_id: int, dropped: bool = True
) -> ScenarioCampaign:
    """Leave a campaign out of the scenario (promotion cancels it), or put it back."""
    _manager_check(user, "changes a scenario")
    _open_check(scenario)
    row = _campaign_of(scenario, scenario_campaign_id)
    if dropped:
        _drop_check(row)
    row.dropped = dropped
    row.save(update_fields=["dropped"])
    return row


@transaction.atomic
def scenario_portfolio_drop(
    *, scenario: Scenario, user: AbstractBaseUser, portfolio_id: int, dropped: bool = True
) -> tuple[int, list[str]]:
    """Drop (or put back) every campaign of a portfolio that may be dropped; the number changed and the names
    of those that may not (released ones stay: their contacts have gone out)."""
    _manager_check(user, "changes a scenario")
    _open_check(scenario)
    rows = list(ScenarioCampaign.objects.filter(scenario=scenario, portfolio_id=portfolio_id))
    stays = [row for row in rows if dropped and not row.added and row.status not in DROPPABLE]
    changed = [row.pk for row in rows if row not in stays]
    count = ScenarioCampaign.objects.filter(pk__in=changed).exclude(dropped=dropped).update(dropped=dropped)
    return count, [row.name for row in stays]


@transaction.atomic
def scenario_portfolio_change(
    *,
    scenario: Scenario,
    user: AbstractBaseUser,
    portfolio_id: int,
    response_change: Any = 0,
    order_value_change: Any = 0,
    cost_change: Any = 0,
) -> int:
    """Change the inputs of every treatment of a portfolio's campaigns in this scenario by percentages (on top of
    the global assumptions); the number of treatments changed. An incremental response rate stays within ±100%.
    A what-if like the global assumptions: it is not named among the changed inputs, so promotion does not write
    it into the campaigns (it would write history's median times the what-if as if typed)."""
    _manager_check(user, "changes a scenario")
    _open_check(scenario)
    response = float(_percent(response_change, "Response rate")) / 100
    order_value = 1 + float(_percent(order_value_change, "Order value")) / 100
    cost = 1 + float(_percent(cost_change, "Cost per contact")) / 100

    def rate(name: str) -> Least:
        # As the global assumption does: by that share of the rate's size, so a fall is bad news either way.
        return Least(Greatest(F(name) + Abs(F(name)) * response, Value(-1.0)), Value(1.0))

    return ScenarioTreatment.objects.filter(
        scenario_campaign__scenario=scenario, scenario_campaign__portfolio_id=portfolio_id
    ).update(
        response_rate=rate("response_rate"),
        response_low=rate("response_low"),
        response_high=rate("response_high"),
        order_value_cents=F("order_value_cents") * order_value,
        cost_per_contact_cents=F("cost_per_contact_cents") * cost,
        changed=True,
    )


def _number(value: Any, label: str, low: float, high: float | None) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"{label}: {value!r} is not a number.") from error
    if number != number or number < low or (high is not None and number > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ScenarioError(f"{label}: {number:g} is out of range; give a number {bound}.")
    return number


@transaction.atomic
def scenario_treatment_update(
    *, scenario: Scenario, user: AbstractBaseUser, scenario_treatment_id: int, **inputs: Any
) -> ScenarioTreatment:
    """Change a treatment's forecast inputs in this scenario only. Money is in cents, rates are shares. An input
    given as it stands (to the form's precision) is not a change; a new holdout moves the contacts with it."""
    _manager_check(user, "changes a scenario")
    _open_check(scenario)
    row = ScenarioTreatment.objects.filter(scenario_campaign__scenario=scenario, pk=scenario_treatment_id).first()
    if row is None:
        raise ScenarioError("That treatment is not in this scenario.")
    unknown = set(inputs) - set(INPUTS)
    if unknown:
        raise ScenarioError(f"These are not forecast inputs: {', '.join(sorted(unknown))}.")
    ranges = {"response_rate": (-1.0, 1.0), "margin_rate": (0.0, 1.0), "holdout_share": (0.0, 0.9)}
    changed = []
    for name, value in inputs.items():
        if value is None and name == "holdout_share":
            continue
        low, high = ranges.get(name, (0.0, None))
        number = _number(value, f"{row.scenario_campaign.name} {row.code}, {INPUTS[name].lower()}", low, high)
        current = getattr(row, name)
        if current is not None and abs(number - float(current)) <= PRECISION[name]:
            continue
        changed.append(name)
        if name == "response_rate":
            # The spread of history stays around the new rate.
            row.response_low += number - row.response_rate
            row.response_high += number - row.response_rate
        if name == "holdout_share" and current is not None and "contacts" not in changed:
            row.contacts = round(row.contacts * (1 - number) / (1 - float(current)))
        setattr(
            row, name, round(number) if name == "contacts" else _held(number) if name == "holdout_share" else number
        )
    if changed:
        row.changed = True
        row.changed_inputs = sorted({*row.changed_inputs, *changed})
        row.save()
    return row


def _held(share: float) -> Decimal:
    return Decimal(f"{share:.3f}")


@transaction.atomic
def scenario_campaign_dates(
    *, scenario: Scenario, user: AbstractBaseUser, scenario_campaign_id: int, start: date, end: date
) -> ScenarioCampaign:
    """Move a campaign to start within the scenario's quarter and last as long as a campaign may; promotion moves
    the draft campaign's dates the same way."""
    _manager_check(user, "changes a scenario")
    _open_check(scenario)
    row = _campaign_of(scenario, scenario_campaign_id)
    if row.released:
        raise ScenarioError(f"{row.name} has gone out: its dates are history.")
    first, last = quarter_bounds(scenario.year, scenario.quarter)
    if not first <= start <= last:
        raise ScenarioError(f"{row.name} must start within {scenario.quarter_label} ({first} to {last}).")
    try:
        # The campaign's own rule, so that promotion does not refuse the dates the scenario took.
        dates_check(start, end)
    except CampaignError as error:
        raise ScenarioError(f"{row.name}: {error}") from error
    row.start_date, row.end_date, row.send_date = start, end, start
    row.dates_changed = not row.added
    row.save(update_fields=["start_date", "end_date", "send_date", "dates_changed"])
    return row


def _estimated_contacts(template: Campaign, size: int, holdout: float, arms: int) -> int:
    share = float(template.shared_control_share) if template.shares_control else holdout
    return round(size * (1 - share) / (arms if template.shares_control and arms else 1))


@transaction.atomic
def scenario_campaign_add(
    *, scenario: Scenario, user: AbstractBaseUser, template: Campaign, name: str, start: Any
) -> ScenarioCampaign:
    """A campaign the scenario adds, made like `template` (its portfolio, treatments and planning inputs) to start
    on `start`; its contacts are estimated from its segments' last counts, its inputs taken from history."""
    _manager_check(user, "changes a scenario")
    _open_check(scenario)
    first, last = quarter_bounds(scenario.year, scenario.quarter)
    if not name.strip():
        raise ScenarioError("Give the added campaign a name.")
    if not first <= start <= last:
        raise ScenarioError(f"The added campaign must start within {scenario.quarter_label} ({first} to {last}).")
    if ScenarioCampaign.objects.filter(scenario=scenario, name=name.strip()).exists():
        raise ScenarioError(f"The scenario already has a campaign called {name.strip()}.")
    treatments = list(template.treatments.select_related("segment"))
    if not treatments:
        raise ScenarioError(f"{template.name} has no treatments to copy.")
    history = past_history(first)
    stage_id = template.portfolio.stage_id if template.portfolio_id else None
    end = start + timedelta(days=(template.end_date - template.start_date).days)
    line = CampaignLine(
        name=name.strip(),
        campaign_id=None,
        portfolio_id=template.portfolio_id,
        start_date=start,
        end_date=end,
        send_date=start,
        status="",
        released=False,
        treatments=[],
        template_id=template.pk,
    )
    for treatment in treatments:
        defaults = history.defaults(channel=treatment.channel, stage_id=stage_id, own=treatment)
        size = (treatment.segment.size or 0) if treatment.segment else 0
        line.treatments.append(
            TreatmentLine(
                code=treatment.code,
                channel=treatment.channel,
                stage_id=stage_id,
                inputs=Inputs(
                    contacts=_estimated_contacts(template, size, float(treatment.holdout_share), len(treatments)),
                    response_rate=defaults.response_rate,
                    response_low=defaults.response_low,
                    response_high=defaults.response_high,
                    order_value_cents=defaults.order_value_cents,
                    margin_rate=defaults.margin_rate,
                    cost_per_contact_cents=treatment.cost_per_contact_cents,
                    cost_per_redemption_cents=treatment.cost_per_redemption_cents,
                ),
                exact=False,
                results=defaults.results,
                treatment_id=treatment.pk,
                holdout_share=treatment.holdout_share,
            )
        )
    _lines_write(scenario, [line])
    return ScenarioCampaign.objects.get(scenario=scenario, name=line.name)


@dataclass
class Promotion:
    """What promoting a scenario did to the plan: campaigns created, cancelled and changed, and those whose
    changed inputs were left as they were, each with the reason."""

    created: list[Campaign] = field(default_factory=list)
    cancelled: list[Campaign] = field(default_factory=list)
    changed: list[Campaign] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def scenario_promote(*, scenario: Scenario, user: AbstractBaseUser) -> Promotion:
    """Make the scenario the plan: every campaign it adds is created as a draft (like its template, with the
    scenario's inputs), every plan campaign it drops is cancelled, and every draft whose dates or treatment
    inputs were changed in the scenario takes them, each with the scenario named in its history. A campaign
    past its draft keeps its inputs (its audience is built or its approval given on them) and is reported.
    Contacts and global assumptions describe the forecast, not the campaign: they are not written back.
    All or nothing: a campaign that moved on since (approved for good, released) stops the promotion."""
    _manager_check(user, "promotes a scenario to be the plan")
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    _open_check(scenario)
    done = Promotion()
    rows = ScenarioCampaign.objects.filter(scenario=scenario).select_related("campaign", "template", "portfolio")
    for row in rows:
        try:
            if row.added and not row.dropped:
                done.created.append(_added_create(scenario, row, user))
            elif row.dropped and row.campaign is not None:
                why = f"Dropped by the scenario {scenario.name}"
                done.cancelled.append(campaign_cancel(campaign=row.campaign, user=user, reason=why))
            elif row.campaign is not None:
                _changes_write(scenario, row, user, done)
        except CampaignError as error:
            raise ScenarioError(f"{row.name}: {error}") from error
        except ValidationError as error:
            # A draft's treatment the scenario's inputs no longer fit (its rules changed since): say why, stop.
            raise ScenarioError(f"{row.name}: {' '.join(error.messages)}") from error
    scenario.promoted_by, scenario.promoted_at = user, timezone.now()
    recorded(scenario, user=user, why="Promoted to be the plan").save(update_fields=["promoted_by", "promoted_at"])
    return done


# A scenario's inputs as a treatment keeps them.
TREATMENT_FIELDS = {
    "holdout_share": lambda one: one.holdout_share,
    "cost_per_contact_cents": lambda one: round(one.cost_per_contact_cents),
    "cost_per_redemption_cents": lambda one: round(one.cost_per_redemption_cents),
    "response_rate": lambda one: Decimal(f"{min(max(one.response_rate, 0.0), 1.0):.4f}"),
    "order_value_cents": lambda one: round(one.order_value_cents),
    "margin_rate": lambda one: Decimal(f"{one.margin_rate:.4f}"),
}
TREATMENT_NAMES = {
    "response_rate": "expected_response_rate",
    "order_value_cents": "expected_order_value_cents",
    "margin_rate": "expected_margin_rate",
}


def _changes_write(scenario: Scenario, row: ScenarioCampaign, user: AbstractBaseUser, done: Promotion) -> None:
    """The dates and treatment inputs changed in the scenario, written to the draft campaign they came from."""
    campaign = row.campaign
    changes = {
        one: [name for name in one.changed_inputs if name in TREATMENT_FIELDS]
        for one in row.treatments.select_related("treatment")
        if one.treatment is not None
    }
    changes = {one: names for one, names in changes.items() if names}
    if not row.dates_changed and not changes:
        return
    if campaign.status != Campaign.Status.DRAFT:
        done.unchanged.append(
            (
                campaign.name,
                f"{campaign.get_status_display().lower()}: only a draft's dates and inputs change, so its plan "
                "stands as approved",
            )
        )
        return
    why = f"Changed by the scenario {scenario.name}"
    moved = row.dates_changed and (row.start_date, row.end_date) != (campaign.start_date, campaign.end_date)
    if not moved and not changes:
        return
    if moved:
        campaign = campaign_reschedule(campaign=campaign, user=user, start_date=row.start_date, end_date=row.end_date)
    for one, names in changes.items():
        fields = {TREATMENT_NAMES.get(name, name): TREATMENT_FIELDS[name](one) for name in names}
        # A draft already run without a control group keeps the marketer's word for it when other inputs change.
        holdout = fields.get("holdout_share", one.treatment.holdout_share)
        treatment_save(
            campaign=campaign,
            treatment=recorded(one.treatment, user=user, why=why),
            without_control=holdout == 0,
            **fields,
        )
    done.changed.append(campaign)


def _added_create(scenario: Scenario, row: ScenarioCampaign, user: AbstractBaseUser) -> Campaign:
    template = row.template
    if template is None:
        raise ScenarioError(f"{row.name}: the campaign it was made from no longer exists.")
    campaign = campaign_create(
        owner=user,
        name=row.name,
        portfolio=row.portfolio,
        start_date=row.start_date,
        end_date=row.end_date,
        objective=template.objective,
        description=f"Added by the scenario {scenario.name}, made like {template.name}.",
        control_design=template.control_design,
        shared_control_share=template.shared_control_share,
    )
    sources = {treatment.pk: treatment for treatment in template.treatments.all()}
    for one in row.treatments.all():
        source = sources.get(one.treatment_id)
        if source is None:
            raise ScenarioError(f"{row.name} {one.code}: the treatment it was made from no longer exists.")
        treatment_save(
            campaign=campaign,
            code=one.code,
            segment=source.segment,
            channel=one.channel,
            message_name=source.message_name,
            content_ref=source.content_ref,
            offer_strategy=source.offer_strategy,
            offer=source.offer,
            offers_per_customer=source.offers_per_customer,
            holdout_share=one.holdout_share if one.holdout_share is not None else source.holdout_share,
            cost_per_contact_cents=round(one.cost_per_contact_cents),
            cost_per_redemption_cents=round(one.cost_per_redemption_cents),
            response_window_days=source.response_window_days,
            priority=source.priority,
            expected_response_rate=Decimal(f"{min(max(one.response_rate, 0.0), 1.0):.4f}"),
            expected_order_value_cents=round(one.order_value_cents),
            expected_margin_rate=Decimal(f"{one.margin_rate:.4f}"),
            topic=source.topic,
            response_kind=source.response_kind,
            response_category=source.response_category,
            response_offer_code=source.response_offer_code,
            response_event_kind=source.response_event_kind,
        )
    row.campaign = campaign
    row.save(update_fields=["campaign"])
    return campaign
