"""What reporting keeps: every computation of a campaign's results."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign, Treatment
from customers.models import Channel
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
    committed_cents = models.BigIntegerField(null=True, blank=True)
    results = models.PositiveIntegerField(default=0, help_text="Past measured treatments behind the inputs.")
    changed = models.BooleanField(default=False, help_text="Inputs changed by hand in this scenario.")

    class Meta:
        ordering = ["scenario_campaign", "code"]

    def __str__(self) -> str:
        return f"{self.scenario_campaign} / {self.code}"
