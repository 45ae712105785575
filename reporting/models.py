"""What reporting keeps: every computation of a campaign's results."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign, Treatment
from core.lib.bounds import MAX_UNIT_CENTS
from customers.models import Channel, Store
from segments.models import LifecycleStage, Portfolio


class CampaignResultQuerySet(models.QuerySet):
    def published(self) -> "CampaignResultQuerySet":
        """Runs that completed; a run in progress has reserved its version but has no payload yet."""
        return self.filter(payload__isnull=False)


class CampaignResult(models.Model):
    """One computation of a campaign's results. The newest published one is shown; a failed run adds none."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="results")
    version = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    payload = models.JSONField(null=True)

    objects = CampaignResultQuerySet.as_manager()

    class Meta:
        # The table was created when results belonged to campaigns; the model moved, the rows did not.
        db_table = "campaigns_campaignresult"
        ordering = ["campaign", "-version"]
        constraints = [models.UniqueConstraint(fields=["campaign", "version"], name="one_result_per_version")]

    def __str__(self) -> str:
        return f"{self.campaign} results v{self.version}"


class Scenario(models.Model):
    """A named version of a quarter's plan, to weigh against the plan and other versions before money is spent.

    It holds its own copy of every campaign and treatment (so that changing it never changes the plan or the
    scenario it was copied from), global assumptions as percentage changes, and what it drops or adds.
    """

    name = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    description = models.TextField(blank=True)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    response_change = models.DecimalField(
        max_digits=5, decimal_places=1, default=0, validators=[MinValueValidator(-100), MaxValueValidator(500)]
    )
    order_value_change = models.DecimalField(
        max_digits=5, decimal_places=1, default=0, validators=[MinValueValidator(-100), MaxValueValidator(500)]
    )
    margin_change = models.DecimalField(
        max_digits=5, decimal_places=1, default=0, validators=[MinValueValidator(-100), MaxValueValidator(500)]
    )
    cost_changes = models.JSONField(default=dict, blank=True, help_text="Per channel: cost per contact change, %.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    promoted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-quarter", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def quarter_label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def assumptions_in_words(self) -> list[str]:
        """Its global assumptions as people read them: "response -15%", "E-mail cost +20%"."""
        changes = [
            ("response", self.response_change),
            ("order value", self.order_value_change),
            ("margin", self.margin_change),
            *(
                (f"{Channel(channel).label if channel in Channel.values else channel} cost", change)
                for channel, change in (self.cost_changes or {}).items()
            ),
        ]
        return [f"{name} {float(change):+g}%" for name, change in changes if change]


class ScenarioCampaign(models.Model):
    """A campaign as the scenario sees it: one of the plan's (`campaign`), or one it adds from a template."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="campaigns")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=160)
    portfolio = models.ForeignKey(Portfolio, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()
    send_date = models.DateField(help_text="When the contacts go out: the release day, or the start date.")
    status = models.CharField(max_length=16, help_text="The campaign's status when copied; empty for an added one.")
    released = models.BooleanField(default=False)
    dropped = models.BooleanField(default=False)
    dates_changed = models.BooleanField(
        default=False, help_text="Its dates were moved in this scenario: promotion moves the draft campaign's."
    )

    class Meta:
        ordering = ["start_date", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def added(self) -> bool:
        return not self.status


class ScenarioTreatment(models.Model):
    """A treatment's forecast inputs in a scenario, and where they came from."""

    scenario_campaign = models.ForeignKey(ScenarioCampaign, on_delete=models.CASCADE, related_name="treatments")
    treatment = models.ForeignKey(Treatment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(max_length=16)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    stage = models.ForeignKey(LifecycleStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contacts = models.PositiveIntegerField()
    exact = models.BooleanField(default=False, help_text="Counted by an audience build rather than estimated.")
    response_rate = models.FloatField()
    response_low = models.FloatField()
    response_high = models.FloatField()
    order_value_cents = models.FloatField()
    margin_rate = models.FloatField()
    cost_per_contact_cents = models.FloatField()
    cost_per_redemption_cents = models.FloatField(default=0)
    holdout_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(0.9)],
        help_text="The treatment's holdout when copied; empty for a scenario made before holdouts were kept.",
    )
    committed_cents = models.BigIntegerField(null=True, blank=True)
    results = models.PositiveIntegerField(default=0, help_text="Past measured treatments behind the inputs.")
    changed = models.BooleanField(default=False, help_text="Inputs changed by hand in this scenario.")
    changed_inputs = models.JSONField(
        default=list, blank=True, help_text="The names of the inputs changed in this scenario, for promotion."
    )

    class Meta:
        ordering = ["scenario_campaign", "code"]

    def __str__(self) -> str:
        return f"{self.scenario_campaign} / {self.code}"


class StoreEvent(models.Model):
    """A store that closes, is renovated or gets a competitor next door: what it puts at stake (its customers),
    what doing nothing is expected to cost, what a retention campaign is expected to save, and, once the day
    has passed, what its customers did.

    The inputs of the retention campaign are what the team would plan (its channel, gift, coupons, holdout,
    the most valuable deciles it reaches); the effects are measured where history allows and the assumptions
    below are used, and said to be, where it does not.
    """

    class Kind(models.TextChoices):
        CLOSE = "close", "Closure"
        RENOVATION = "renovation", "Renovation (closed for the works)"
        COMPETITOR = "competitor", "New competitor next door"

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CLOSE)
    event_date = models.DateField(help_text="The day the store closes, shuts for works or the competitor opens.")
    window_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(14), MaxValueValidator(365)],
        help_text="Days after the event in which a customer who buys nowhere counts as lost.",
    )
    assumed_attrition = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("20.0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Extra customers lost, %, where no past closure measures it.",
    )
    top_deciles = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="The retention campaign reaches the store's customers in this many most valuable deciles.",
    )
    nearest_stores = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Its coupons are good at this many nearest other stores.",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.DIRECT_MAIL)
    holdout_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
        validators=[MinValueValidator(0), MaxValueValidator(0.9)],
    )
    cost_per_contact_cents = models.PositiveIntegerField(default=60, validators=[MaxValueValidator(MAX_UNIT_CENTS)])
    gift_cents = models.PositiveIntegerField(
        default=500, validators=[MaxValueValidator(MAX_UNIT_CENTS)], help_text="The thank-you gift per contact."
    )
    coupon_cost_cents = models.PositiveIntegerField(
        default=300,
        validators=[MaxValueValidator(MAX_UNIT_CENTS)],
        help_text="What the coupons cost per kept customer.",
    )
    assumed_saved = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("5.0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Customers the campaign keeps, % of those it reaches, where no past campaign measures it.",
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The retention campaign run for the event, whose audience the after-event report reads.",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-event_date", "pk"]

    def __str__(self) -> str:
        return f"{self.store.name} ({self.get_kind_display().lower()}, {self.event_date:%d %b %Y})"
