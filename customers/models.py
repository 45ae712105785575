"""Customers, stores, categories and what customers did: purchase lines and engagement events.

Purchases and events are the large tables (tens of millions of rows). Their
foreign keys carry no database constraint: every row arrives through the
import, which resolves and checks each reference as a set before loading, and
a per-row constraint trigger would cost more than the whole load. Their
primary keys are the source system's line and event ids, which is what makes
a repeated import an update rather than a duplicate.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from customers.fields import SourceKeyField


class Store(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    region = models.CharField(max_length=64, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # Where the store stands (WGS 84 degrees), so that distances between stores are computed, never typed.
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="store_coordinates_on_earth",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Category(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    margin_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of revenue kept as margin; used where a purchase file gives no margin.",
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ConsentChannel(models.TextChoices):
    """The channels that reach a customer only with their consent, one `consent_<channel>` field each. Segment
    rules, imports, the contact policy and the audience build all read this one list."""

    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    PUSH = "push", "Push"
    DIRECT_MAIL = "direct_mail", "Direct mail"


class Channel(models.TextChoices):
    """The channels a campaign reaches customers on; offers say which of them they may be sent on."""

    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    PUSH = "push", "Push"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    IN_STORE = "in_store", "In store"
    WEB = "web", "Web"


class Customer(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The postal address, for direct mail: shown only to the roles that send it (customers.view_addresses).
    address = models.CharField(max_length=200, blank=True, help_text="Street and number, one line.")
    postcode = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=80, blank=True)
    home_store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, related_name="+"
    )
    region = models.CharField(max_length=64, blank=True)
    signup_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    consent_email = models.BooleanField(default=False)
    consent_sms = models.BooleanField(default=False)
    consent_push = models.BooleanField(default=False)
    consent_direct_mail = models.BooleanField(default=False)
    topics = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person's details were erased on request; never contacted again."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            GinIndex(SearchVector("name", config="simple"), name="customer_name_search"),
            models.Index(OpClass(Lower("email"), name="text_pattern_ops"), name="customer_email_prefix"),
            models.Index(fields=["region", "id"], name="customer_region"),
            models.Index(fields=["home_store", "id"], name="customer_home_store"),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id

    def has_consent(self, channel: str) -> bool:
        return bool(getattr(self, f"consent_{channel}", False))


class CustomerErasure(models.Model):
    """The log of an erasure: who erased which customer row, when and on what request. The person's details
    are gone; their purchases and contacts stay, anonymous, in every total."""

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="erasure")
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"Customer {self.customer_id} erased {self.erased_at:%Y-%m-%d}"


class Purchase(models.Model):
    class Where(models.TextChoices):
        STORE = "store", "In store"
        ONLINE = "online", "Online"

    line_id = SourceKeyField(max_length=64, primary_key=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="purchases"
    )
    purchased_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Where.choices)
    store = models.ForeignKey(Store, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False)
    category = models.ForeignKey(Category, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False)
    order_ref = models.CharField(max_length=64, db_collation="C")
    quantity = models.IntegerField(help_text="Negative on a return line.")
    revenue_cents = models.BigIntegerField()
    margin_cents = models.BigIntegerField(
        null=True, help_text="Empty (unknown) when the file gave no margin and no category to estimate it from."
    )
    # NULL, not "", when no offer was redeemed: a purchase file leaves the column empty on most lines.
    offer_code = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        indexes = [models.Index(fields=["customer", "purchased_at"], name="purchase_customer_time")]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.revenue_cents / 100:.2f}"


class EngagementEvent(models.Model):
    KINDS = ["web_visit", "email_open", "email_click", "app_open", "sms_click", "push_open", "store_visit"]
    LABELS = {
        "web_visit": "Web visit",
        "email_open": "E-mail open",
        "email_click": "E-mail click",
        "app_open": "App open",
        "sms_click": "SMS click",
        "push_open": "Push open",
        "store_visit": "Store visit",
    }

    event_id = SourceKeyField(max_length=64, primary_key=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="events"
    )
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["customer", "occurred_at"], name="event_customer_time")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @classmethod
    def label(cls, kind: str) -> str:
        """A kind of event in words; an imported kind the desk does not know, with its underscores as spaces."""
        return cls.LABELS.get(kind, kind.replace("_", " ").capitalize())


class DataImport(models.Model):
    """One import of one file: what was asked, and the problems found when it was refused."""

    class Kind(models.TextChoices):
        STORES = "stores", "Stores"
        CATEGORIES = "categories", "Categories"
        CUSTOMERS = "customers", "Customers"
        PURCHASES = "purchases", "Purchases"
        EVENTS = "events", "Engagement events"
        CONTACTS = "contacts", "Campaign contacts (measured elsewhere)"
        OFFERS = "offers", "Offer bank"
        SUPPRESSIONS = "suppressions", "Suppression list (never contact)"

    job = models.OneToOneField("core.Job", on_delete=models.CASCADE, related_name="data_import")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    preset = models.CharField(max_length=32, blank=True)
    file_name = models.CharField(max_length=255)
    path = models.CharField(max_length=1024, help_text="Where the worker reads the file.")
    size_bytes = models.BigIntegerField(default=0)
    delimiter = models.CharField(max_length=1, default=",")
    encoding = models.CharField(max_length=16, default="utf-8")
    uploaded = models.BooleanField(default=False, help_text="The file was uploaded and is removed after the import.")
    problem_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"


class ImportProblem(models.Model):
    data_import = models.ForeignKey(DataImport, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveBigIntegerField(null=True, help_text="Row in the file as a spreadsheet shows it (header = 1).")
    column = models.CharField(max_length=128, blank=True)
    value = models.TextField(blank=True)
    problem = models.TextField()

    class Meta:
        ordering = ["data_import", "row", "id"]

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.problem}"


class MonthlySales(models.Model):
    """Sales per month and channel, summed from purchase lines after each purchase import (for dashboards)."""

    month = models.DateField()
    channel = models.CharField(max_length=8, choices=Purchase.Where.choices)
    revenue_cents = models.BigIntegerField()
    margin_cents = models.BigIntegerField(
        null=True, help_text="Margin of the lines whose margin is known; empty: none."
    )
    margin_revenue_cents = models.BigIntegerField(default=0, help_text="Revenue of the lines whose margin is known.")
    lines = models.BigIntegerField()

    class Meta:
        ordering = ["month", "channel"]
        constraints = [models.UniqueConstraint(fields=["month", "channel"], name="monthly_sales_month_channel")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.channel}"

    @property
    def margin_known_share(self) -> float | None:
        """The share of the month's revenue whose margin is known (None without revenue)."""
        return self.margin_revenue_cents / self.revenue_cents if self.revenue_cents else None
