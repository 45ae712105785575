from django.db import models
from simple_history.models import HistoricalRecords

from customers.models import Customer


class LifecycleStage(models.Model):
    """A stage of the customer lifecycle. Each customer is in the first stage, by position, whose rules match."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(help_text="Rules are tried in this order; the first match wins.")
    rules = models.JSONField(help_text="A rule tree over customer features; an empty 'all' matches everyone.")
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#6b7280")
    # Stages decide who every campaign reaches: each edit is kept, with who made it.
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class StagingRun(models.Model):
    """The stages of every customer as of one period end."""

    period_end = models.DateField(unique=True)
    customers = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Customers per stage code.")
    seconds = models.FloatField(default=0)
    finished_at = models.DateTimeField(auto_now=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-period_end"]

    def __str__(self) -> str:
        return f"Stages as of the end of {self.period_end}"


class StageAssignment(models.Model):
    pk = models.CompositePrimaryKey("period_end", "customer_id")
    period_end = models.DateField()
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    stage = models.ForeignKey(
        LifecycleStage, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["customer", "period_end"], name="stage_history_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.stage_id} at {self.period_end}"
