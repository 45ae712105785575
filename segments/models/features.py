"""One row per customer describing them as of a date: what segments, stages, audiences and offers read.

The table is rebuilt whole by the feature refresh (see segments/features.py)
and swapped in atomically; it copies the customer attributes that segments
filter on, so that a segment count reads one table of a million rows.
"""

from django.db import models

from customers.models import Category, Customer, Store


class FeatureRun(models.Model):
    """One refresh of the features table; the newest successful run is the one the table holds."""

    version = models.PositiveIntegerField(unique=True)
    as_of = models.DateField(help_text="Purchases made on this day or before count; ages are counted to it.")
    window_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Frequency and spend window; empty: all."
    )
    customers = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    finished_at = models.DateTimeField(auto_now_add=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Features v{self.version} as of {self.as_of}"


class CustomerFeatures(models.Model):
    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="features"
    )
    # Copied from the customer when the features were computed.
    region = models.CharField(max_length=64)
    home_store = models.ForeignKey(
        Store, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    birth_year = models.PositiveSmallIntegerField(null=True)
    consent_email = models.BooleanField()
    consent_sms = models.BooleanField()
    consent_push = models.BooleanField()
    consent_direct_mail = models.BooleanField()
    signup_date = models.DateField(null=True)
    # Purchases (sales lines; returns are counted apart).
    first_purchase_at = models.DateTimeField(null=True)
    last_purchase_at = models.DateTimeField(null=True)
    recency_days = models.IntegerField(
        null=True, help_text="Days from the day of the last purchase to the as-of date (0: bought that day)."
    )
    frequency = models.IntegerField(help_text="Orders in the window.")
    orders_lifetime = models.IntegerField()
    revenue_cents = models.BigIntegerField(help_text="Sales revenue in the window.")
    margin_cents = models.BigIntegerField(
        null=True, help_text="Sales margin in the window, of the lines whose margin is known; empty: none is."
    )
    margin_revenue_cents = models.BigIntegerField(
        default=0, help_text="Sales revenue in the window of the lines whose margin is known."
    )
    returns_cents = models.BigIntegerField(help_text="Returned revenue in the window (zero or negative).")
    aov_cents = models.BigIntegerField(null=True, help_text="Average order value in the window.")
    tenure_days = models.IntegerField(
        null=True, help_text="Days from sign-up (or the first purchase) to the as-of date."
    )
    first_purchase_days = models.IntegerField(
        null=True, help_text="Days from the day of the first purchase to the as-of date."
    )
    last_store = models.ForeignKey(
        Store, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    last_channel = models.CharField(max_length=8, null=True)  # noqa: DJ001  (no purchase: no channel)
    r_score = models.PositiveSmallIntegerField(null=True)
    f_score = models.PositiveSmallIntegerField(null=True)
    m_score = models.PositiveSmallIntegerField(null=True)
    days_since_contact = models.IntegerField(null=True)
    contacts_30d = models.IntegerField(default=0)
    expected_purchases = models.FloatField(null=True, help_text="BG/NBD: expected orders over the fit's horizon.")
    p_active = models.FloatField(null=True, help_text="BG/NBD: probability the customer is still active.")
    stage = models.ForeignKey(
        "segments.LifecycleStage",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "customer features"

    def __str__(self) -> str:
        return f"features of customer {self.customer_id}"

    @property
    def margin_known_share(self) -> float | None:
        """The share of the window's sales revenue whose margin is known (None without sales)."""
        return self.margin_revenue_cents / self.revenue_cents if self.revenue_cents else None

    @property
    def rfm_total(self) -> int | None:
        if self.r_score is None:
            return None
        return self.r_score + self.f_score + self.m_score


class CustomerCategoryShare(models.Model):
    """Share of a customer's sales revenue in the window that went to one category."""

    pk = models.CompositePrimaryKey("customer_id", "category_id")
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    share = models.FloatField()
    last_purchase_days = models.IntegerField(
        null=True, help_text="Whole days from the customer's last purchase in the category to the as-of date."
    )

    class Meta:
        indexes = [models.Index(fields=["category", "share"], name="category_share_lookup")]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.category_id}: {self.share:.0%}"
