"""The offer bank: every offer a campaign may give, with what it costs, where it may go and how much of it there is."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.lib.bounds import EARLIEST_PLAN_DAY, LATEST_PLAN_DAY, MAX_BUDGET_CENTS, MAX_OFFER_QUANTITY, MAX_UNIT_CENTS
from core.lib.spreadsheet import plain_text
from customers.models import Category, Channel, Store


class Offer(models.Model):
    class Kind(models.TextChoices):
        PERCENT_OFF = "percent_off", "Percent off"
        AMOUNT_OFF = "amount_off", "Amount off"
        POINTS = "points", "Points multiplier"
        GIFT = "gift", "Free gift"
        BOGO = "bogo", "Buy one, get one"

    code = models.CharField(
        max_length=64,
        unique=True,
        validators=[plain_text],
        help_text="What the customer redeems, as tills record it.",
    )
    name = models.CharField(max_length=160, validators=[plain_text])
    kind = models.CharField(max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offers",
        help_text="The category it applies to; empty for the whole range.",
    )
    value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_UNIT_CENTS // 100)],
        help_text="Percent off (15 is 15%), amount off, points multiplier (2 is double points), or the gift's value.",
    )
    expected_redemption_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default="0.0500",
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of the customers given it who redeem it, before any campaign has measured it.",
    )
    cost_per_redemption_cents = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_UNIT_CENTS)],
        help_text="What the retailer gives away each time it is redeemed.",
    )
    valid_from = models.DateField(validators=[MinValueValidator(EARLIEST_PLAN_DAY), MaxValueValidator(LATEST_PLAN_DAY)])
    valid_until = models.DateField(
        validators=[MinValueValidator(EARLIEST_PLAN_DAY), MaxValueValidator(LATEST_PLAN_DAY)]
    )
    channels = ArrayField(
        models.CharField(max_length=16, choices=Channel.choices),
        default=list,
        blank=True,
        help_text="The channels it may be sent on; none listed means every channel.",
    )
    stores = models.ManyToManyField(
        Store, blank=True, related_name="offers", help_text="The stores it may be redeemed in; none means all."
    )
    max_quantity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_OFFER_QUANTITY)],
        help_text="At most this many customers may be given it in one campaign.",
    )
    budget_cap_cents = models.BigIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_BUDGET_CENTS)],
        help_text="At most this much expected redemption cost in one campaign.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[stores])

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="offer_ends_after_it_starts",
                violation_error_message="An offer ends after it starts: valid until is before valid from.",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_cap_cents__isnull=True) | models.Q(budget_cap_cents__gte=0),
                name="offer_budget_cap_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def value_label(self) -> str:
        """The offer's value as a customer reads it: 15% off, 5.00 off, 2x points, a gift worth 3.00."""
        value = self.value.normalize() if self.kind in (self.Kind.PERCENT_OFF, self.Kind.POINTS) else self.value
        return {
            self.Kind.PERCENT_OFF: f"{value:f}% off",
            self.Kind.AMOUNT_OFF: f"{self.value:,.2f} off",
            self.Kind.POINTS: f"{value:f}x points",
            self.Kind.GIFT: f"a gift worth {self.value:,.2f}",
            self.Kind.BOGO: "buy one, get one",
        }[self.kind]

    @property
    def channel_labels(self) -> str:
        return ", ".join(Channel(channel).label for channel in self.channels) if self.channels else "Every channel"
