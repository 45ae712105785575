from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class Job(models.Model):
    """A background job a user can watch: its progress, outcome and error in plain words."""

    class Kind(models.TextChoices):
        DATABASE_REPORT = "database_report", "Database health report"
        IMPORT = "import", "Data import"
        DEMO_DATA = "demo_data", "Demo data"
        SALES_SUMMARY = "sales_summary", "Sales summary"
        FEATURES = "features", "Customer features"
        STAGING = "staging", "Lifecycle staging"
        CUSTOMER_VALUE = "customer_value", "Customer value model"
        AUDIENCE_BUILD = "audience_build", "Audience build"
        OFFER_ALLOCATION = "offer_allocation", "Offer allocation"
        OFFER_ALLOCATION_CHUNK = "offer_allocation_chunk", "Offer allocation (part)"
        RESULTS = "results", "Campaign results"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Delivery: which task runs the job, how many times it started, how many it may, and when its message is due.
    task_name = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=1)
    due_at = models.DateTimeField(null=True, blank=True)
    # Files the job owns (an uploaded import): removed once the job has ended for good.
    files = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def may_retry(self) -> bool:
        return bool(self.task_name) and self.attempts < self.max_attempts

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or self.heartbeat_at or self.started_at
        return (end - self.started_at).total_seconds()


class Worker(models.Model):
    """A running Celery worker, as its main process last reported itself: the sign that jobs will be taken."""

    hostname = models.CharField(max_length=200, unique=True)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.hostname


class BrokerMessage(models.Model):
    """A task message waiting in the default broker (`core.broker`); taken and deleted in one statement."""

    queue = models.CharField(max_length=200)
    payload = models.TextField()
    sent_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["queue", "id"])]

    def __str__(self) -> str:
        return f"{self.queue} #{self.pk}"


class FormSubmission(models.Model):
    """A creating form that was sent: the same form sent again (a double click, a resent request) finds it
    and shows what the first sending made instead of making it twice."""

    key = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    location = models.CharField(max_length=300, blank=True, help_text="Where the first sending led.")
    sent_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.path} {self.key}"


class LoginFailure(models.Model):
    """A failed sign-in: enough of them for one account or from one address, recently, stop further tries."""

    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField(null=True, blank=True)
    failed_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(fields=["username", "failed_at"], name="login_failure_account"),
            models.Index(fields=["address", "failed_at"], name="login_failure_address"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.failed_at}"


class GridView(models.Model):
    """A way one user keeps a list: its columns, order and filters, under a name of their choosing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_views")
    grid = models.CharField(max_length=40)
    name = models.CharField(max_length=60)
    state = models.JSONField(default=dict, help_text="Columns shown and their order, sort and filters.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["grid", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "grid", "name"], name="grid_view_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.grid})"
