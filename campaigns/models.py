"""Campaigns, their treatments, the company's contact policy, audiences and contact history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from customers.models import Channel, Customer
from segments.models import Portfolio, Segment


class Objective(models.TextChoices):
    TRAFFIC = "traffic", "Traffic: bring customers in"
    CONVERSION = "conversion", "Conversion: turn visits into orders"
    BASKET = "basket", "Basket size: more per order"
    MARGIN = "margin", "Margin: more profitable orders"


class Campaign(models.Model):
    class ControlDesign(models.TextChoices):
        PER_TREATMENT = "per_treatment", "One control group per treatment"
        SHARED = "shared", "One control group shared by all treatments"

    class Adjustment(models.TextChoices):
        NONE = "none", "None: each comparison on its own"
        HOLM = "holm", "Holm: for several treatments compared with one control"

    class MeanTest(models.TextChoices):
        WELCH = "welch", "Welch's t-test"
        STUDENT = "student", "Student's t-test (equal variances)"
        BOOTSTRAP = "bootstrap", "Bootstrap percentile interval"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        AUDIENCE_BUILT = "audience_built", "Audience built"
        RELEASED = "released", "Released"
        MEASURING = "measuring", "Measuring"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=160)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    start_date = models.DateField()
    end_date = models.DateField()
    objective = models.CharField(max_length=16, choices=Objective.choices)
    # Campaigns imported from elsewhere, to be measured here, may have neither portfolio nor owner.
    portfolio = models.ForeignKey(Portfolio, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    imported = models.BooleanField(default=False, help_text="Run elsewhere; its contacts came from a file.")
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # The random split of every audience member into treatment or control is a hash of the customer and this.
    seed = models.PositiveIntegerField()
    # Champion and challengers against one holdout: the audience is randomised over the treatments, which then
    # share one control group drawn from the whole audience.
    control_design = models.CharField(max_length=16, choices=ControlDesign.choices, default=ControlDesign.PER_TREATMENT)
    shared_control_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default="0.100",
        validators=[MinValueValidator(0), MaxValueValidator(0.9)],
        help_text="With a shared control group: the share of the audience held out as control.",
    )
    p_adjustment = models.CharField(
        max_length=8,
        choices=Adjustment.choices,
        default=Adjustment.NONE,
        verbose_name="multiple comparison correction",
        help_text="Adjusts the p-values of the treatments compared with control, and of the treatments head to head.",
    )
    mean_test = models.CharField(
        max_length=16,
        choices=MeanTest.choices,
        default=MeanTest.WELCH,
        verbose_name="test for money and orders",
        help_text="How orders, revenue and margin per member are compared; response rates always use a z-test.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_comment = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    committed_cents = models.BigIntegerField(default=0, help_text="Planned cost booked against the budget at release.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-quarter", "start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="campaign_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def quarter_label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def shares_control(self) -> bool:
        return self.control_design == self.ControlDesign.SHARED


class Treatment(models.Model):
    """One cell of a campaign: a segment reached on a channel with a message (and perhaps offers)."""

    class OfferStrategy(models.TextChoices):
        NONE = "none", "No offer"
        FIXED = "fixed", "One fixed offer"
        BEST_N = "best_n", "Best offers per customer"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="treatments")
    code = models.CharField(max_length=16, help_text="Short name within the campaign, such as A or B.")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="treatments")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    message_name = models.CharField(max_length=160)
    content_ref = models.CharField(max_length=200, blank=True, help_text="Where the creative lives (template id, URL).")
    offer_strategy = models.CharField(max_length=8, choices=OfferStrategy.choices, default=OfferStrategy.NONE)
    offer = models.ForeignKey(
        "offers.Offer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="treatments",
        help_text="With one fixed offer: the bank offer every treated customer receives.",
    )
    offer_code = models.CharField(max_length=64, blank=True, help_text="The fixed offer's code, kept as it was sent.")
    offers_per_customer = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="With the best offers per customer: how many each treated customer receives (1 to 5).",
    )
    holdout_share = models.DecimalField(
        max_digits=4, decimal_places=3, default="0.100", validators=[MinValueValidator(0), MaxValueValidator(0.9)]
    )
    cost_per_contact_cents = models.PositiveIntegerField(default=0)
    response_window_days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    priority = models.PositiveSmallIntegerField(
        default=1,
        help_text="1 is first: a customer who qualifies for several treatments gets the one with the smallest number.",
    )
    expected_response_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default="0.0500", validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    expected_order_value_cents = models.PositiveIntegerField(default=0)
    topic = models.CharField(
        max_length=40,
        blank=True,
        help_text=(
            "The subscription topic the message belongs to. A customer who subscribed to some topics but not "
            "this one has opted out of it and is left out; a customer who chose no topics has no preference and "
            "stays in. Leave empty for a message under no topic."
        ),
    )

    class Response(models.TextChoices):
        PURCHASE = "purchase", "Any purchase"
        CATEGORY = "category", "A purchase in the response category"
        OFFER_CODE = "offer_code", "A purchase redeeming the offer code"
        EVENT = "event", "An engagement event of the response kind"

    response_kind = models.CharField(max_length=16, choices=Response.choices, default=Response.PURCHASE)
    response_category = models.ForeignKey(
        "customers.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    response_offer_code = models.CharField(max_length=64, blank=True)
    response_event_kind = models.CharField(max_length=32, blank=True)
    cost_per_redemption_cents = models.PositiveIntegerField(
        default=0, help_text="What the offer costs each time a customer redeems its code."
    )
    expected_margin_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default="0.3000", validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["campaign", "priority", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="treatment_code_per_campaign")]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.code}"

    def clean(self) -> None:
        if self.offer_strategy == self.OfferStrategy.FIXED and not self.offer_id:
            raise ValidationError({"offer": "Choose the bank offer every treated customer receives."})
        needs = {
            self.Response.CATEGORY: ("response_category", "Choose the category whose purchases count as responses."),
            self.Response.OFFER_CODE: ("response_offer_code", "Give the offer code whose redemptions count."),
            self.Response.EVENT: ("response_event_kind", "Give the kind of event that counts as a response."),
        }
        if self.response_kind in needs:
            field, message = needs[self.response_kind]
            if not getattr(self, field) and not getattr(self, f"{field}_id", None) and not self.counts_its_own_offer:
                raise ValidationError({field: message})

    @property
    def response_definition(self) -> str:
        """What counts as a response, in words: "A purchase in Kitchen within 14 days"."""
        detail = {
            self.Response.CATEGORY: lambda: "A purchase in " + str(self.response_category or "the response category"),
            self.Response.OFFER_CODE: lambda: (
                f"A purchase redeeming {self.response_offer_code or self.offer_code}"
                if self.response_offer_code or self.offer_code
                else "A purchase redeeming one of the offers sent"
            ),
            self.Response.EVENT: lambda: f"An engagement event of kind {self.response_event_kind}",
        }.get(self.response_kind, lambda: "Any purchase")()
        return f"{detail} within {self.response_window_days} days of contact"

    @property
    def counts_its_own_offer(self) -> bool:
        """Whether responses are redemptions of the offers the treatment sends: its fixed offer (treatment_save
        stores its code) or each member's best offers."""
        sends_offer = self.offer_strategy == self.OfferStrategy.BEST_N or (
            self.offer_strategy == self.OfferStrategy.FIXED and bool(self.offer_id or self.offer_code)
        )
        return self.response_kind == self.Response.OFFER_CODE and sends_offer


class ContactPolicy(models.Model):
    """The rules every campaign obeys. There is one, edited by managers."""

    consent_email = models.BooleanField(default=True, help_text="E-mail needs the customer's consent.")
    consent_sms = models.BooleanField(default=True)
    consent_push = models.BooleanField(default=True)
    consent_direct_mail = models.BooleanField(default=True)
    max_contacts = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1)], help_text="At most this many contacts per customer..."
    )
    window_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1)], help_text="...in any this many days, across all campaigns."
    )
    global_control_share = models.DecimalField(
        max_digits=4, decimal_places=3, default="0.050", validators=[MinValueValidator(0), MaxValueValidator(0.5)]
    )
    global_control_salt = models.CharField(
        max_length=32, default="campaign-desk", help_text="Changing it draws a new global control group."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "contact policy"

    def __str__(self) -> str:
        return "Contact policy"

    def needs_consent(self, channel: str) -> bool:
        return bool(getattr(self, f"consent_{channel}", False))


class ChannelCap(models.Model):
    """At most this many contacts per customer on one channel in any this many days, on top of the overall cap.
    A channel without a row has only the overall cap."""

    channel = models.CharField(max_length=16, choices=Channel.choices, unique=True)
    max_contacts = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    window_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["channel"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: at most {self.max_contacts} in {self.window_days} days"


class Suppression(models.Model):
    """A customer no campaign may contact, whatever their consent: a complaint, a legal hold, a member of staff."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="suppression")
    reason = models.CharField(max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the row came from a suppressions file.",
    )
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-added_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} suppressed: {self.reason}"


class AudienceBuild(models.Model):
    """A snapshot of a campaign's audience: the counts behind it and when it was made."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="builds")
    version = models.PositiveIntegerField()
    built_at = models.DateTimeField(auto_now_add=True)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    counts = models.JSONField(default=dict, help_text="Per treatment: segment size, each exclusion, sizes.")
    balance = models.JSONField(default=dict, help_text="Treatment against control on recency, frequency, money, stage.")
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["campaign", "-version"]
        constraints = [models.UniqueConstraint(fields=["campaign", "version"], name="one_build_per_version")]

    def __str__(self) -> str:
        return f"{self.campaign} audience v{self.version}"


class AudienceMember(models.Model):
    """One customer of a campaign's current audience, in a treatment, as treatment or control.

    Audiences run to hundreds of thousands of rows written by one statement that
    takes its treatments and customers from their own tables: per-row foreign-key
    triggers would add seconds to a build and check nothing new. The primary key
    serves every read (they are all by campaign); a second index on the campaign
    alone would only slow every build.
    """

    pk = models.CompositePrimaryKey("campaign_id", "customer_id")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="members"
    )
    is_control = models.BooleanField()
    contacted_on = models.DateField(null=True, help_text="The release date, for treatment and control alike.")
    stage = models.ForeignKey(
        "segments.LifecycleStage",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        help_text="The customer's stage at the build.",
    )

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.treatment_id} ({'control' if self.is_control else 'treatment'})"


class ContactHistory(models.Model):
    """One contact of one customer by one released treatment. Rows are only ever added."""

    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, db_index=False, related_name="contacts")
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, db_index=False, related_name="contacts")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    contacted_at = models.DateTimeField()
    offer_codes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "contact history"
        indexes = [
            models.Index(fields=["customer", "contacted_at"], name="contact_customer_time"),
            models.Index(fields=["campaign", "channel"], name="contact_campaign_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} by {self.treatment_id} on {self.contacted_at:%Y-%m-%d}"


class AllocationRun(models.Model):
    """One allocation of the offers of a campaign's best-offer treatments: its totals, prices and offers.

    The newest published run is the campaign's allocation; a run in progress or failed changes nothing.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="allocation_runs")
    build_version = models.PositiveIntegerField(help_text="The audience build it allocated.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    send_date = models.DateField(help_text="Offers had to be valid on this day.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    seconds = models.FloatField(default=0)
    customers = models.PositiveIntegerField(default=0)
    allocations = models.PositiveIntegerField(default=0)
    value_cents = models.FloatField(default=0, help_text="Total expected value of the offers given.")
    bound_cents = models.FloatField(default=0, help_text="No allocation within the caps can be worth more.")
    gap = models.FloatField(default=0, help_text="(bound - value) / bound")
    chunks = models.PositiveSmallIntegerField(default=1)
    chunks_done = models.PositiveSmallIntegerField(default=0)
    # The coordinator's prices and each chunk's share of every offer's limit, then each chunk's outcome.
    plan = models.JSONField(default=dict)
    chunk_results = models.JSONField(default=list)
    per_offer = models.JSONField(default=list, help_text="Per offer: given, budget used, caps and dual price.")
    distribution = models.JSONField(default=dict, help_text="Histogram of each member's expected value.")

    class Meta:
        ordering = ["campaign", "-created_at"]

    def __str__(self) -> str:
        return f"{self.campaign} offers ({self.get_status_display().lower()})"


class OfferAllocation(models.Model):
    """One offer given to one treated member by one allocation run (slot 1 is the member's best)."""

    pk = models.CompositePrimaryKey("run_id", "customer_id", "slot")
    run = models.ForeignKey(
        AllocationRun, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    slot = models.PositiveSmallIntegerField()
    treatment = models.ForeignKey(
        Treatment, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    offer = models.ForeignKey(
        "offers.Offer", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    expected_value_cents = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["customer", "run"], name="allocation_customer")]

    def __str__(self) -> str:
        return f"{self.offer_id} to {self.customer_id} (slot {self.slot})"
