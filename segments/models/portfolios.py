from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from segments.models.lifecycle import LifecycleStage


class Portfolio(models.Model):
    """A lifecycle stage run as a business: an owner, a budget per quarter and objectives."""

    stage = models.OneToOneField(LifecycleStage, on_delete=models.PROTECT, related_name="portfolio")
    name = models.CharField(max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portfolios")
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="portfolio_teams", help_text="Who works on its campaigns."
    )
    description = models.TextField(blank=True)
    # Cadence goals: how often, on average, a customer of the stage should hear from us in a quarter.
    cadence_min = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name="contacts a quarter, at least", help_text="Per customer of the stage."
    )
    cadence_max = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name="contacts a quarter, at most", help_text="Per customer of the stage."
    )
    history = HistoricalRecords(m2m_fields=[team])

    class Meta:
        ordering = ["stage__position"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.cadence_min is not None and self.cadence_max is not None and self.cadence_min > self.cadence_max:
            raise ValidationError({"cadence_max": "The most contacts a quarter cannot be fewer than the least."})


class PortfolioBudget(models.Model):
    """The approved budget of a portfolio for a quarter: what releases may spend. Requested changes wait in
    BudgetRequest until a manager decides them."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    amount_cents = models.BigIntegerField(validators=[MinValueValidator(0)], verbose_name="amount")
    # Raised by every change: a change made on an older version was made without seeing the newer one.
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["portfolio", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "year", "quarter"], name="one_budget_per_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="budget_quarter_1_to_4"),
            models.CheckConstraint(condition=models.Q(amount_cents__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio} {self.year} Q{self.quarter}"


class PortfolioObjective(models.Model):
    class Kind(models.TextChoices):
        MOVE_TO = "move_to", "Move at least this share of the stage to another stage"
        KEEP_BELOW = "keep_below", "Keep the stage below this share of all customers"
        KEEP_ABOVE = "keep_above", "Keep the stage above this share of all customers"

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="objectives")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    target_stage = models.ForeignKey(
        LifecycleStage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For 'move to': where customers should go.",
    )
    target_percent = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["portfolio", "year", "quarter", "id"]

    def __str__(self) -> str:
        if self.kind == self.Kind.MOVE_TO:
            stage, target = self.portfolio.stage, self.target_stage
            return f"Move {self.target_percent}% of {stage} to {target} in {self.year} Q{self.quarter}"
        direction = "under" if self.kind == self.Kind.KEEP_BELOW else "over"
        return f"Keep {self.portfolio.stage} {direction} {self.target_percent}% in {self.year} Q{self.quarter}"


class BudgetRequest(models.Model):
    """A segment owner's request to change their portfolio's budget for a quarter, decided by a manager."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a manager"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Replaced by a newer request"

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="budget_requests")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    amount_cents = models.BigIntegerField(validators=[MinValueValidator(0)])
    approved_cents = models.BigIntegerField(help_text="The approved budget when the request was made.")
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "year", "quarter"],
                condition=models.Q(status="pending"),
                name="one_pending_budget_request_per_quarter",
            ),
            models.CheckConstraint(condition=models.Q(amount_cents__gte=0), name="budget_request_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio} {self.year} Q{self.quarter}: {self.amount_cents / 100:,.2f}"

    @property
    def quarter_label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def change_cents(self) -> int:
        return self.amount_cents - self.approved_cents
