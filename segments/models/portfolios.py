from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from segments.models.lifecycle import LifecycleStage


class Portfolio(models.Model):
    """A lifecycle stage run as a business: an owner, a budget per quarter and objectives."""

    stage = models.OneToOneField(LifecycleStage, on_delete=models.PROTECT, related_name="portfolio")
    name = models.CharField(max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portfolios")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["stage__position"]

    def __str__(self) -> str:
        return self.name


class PortfolioBudget(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    amount_cents = models.BigIntegerField(validators=[MinValueValidator(0)])

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

    class Meta:
        ordering = ["portfolio", "year", "quarter", "id"]

    def __str__(self) -> str:
        if self.kind == self.Kind.MOVE_TO:
            stage, target = self.portfolio.stage, self.target_stage
            return f"Move {self.target_percent}% of {stage} to {target} in {self.year} Q{self.quarter}"
        direction = "under" if self.kind == self.Kind.KEEP_BELOW else "over"
        return f"Keep {self.portfolio.stage} {direction} {self.target_percent}% in {self.year} Q{self.quarter}"
