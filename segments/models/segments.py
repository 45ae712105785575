from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Segment(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="segments")
    rules = models.JSONField(default=dict)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Customers matching when last counted.")
    counted_at = models.DateTimeField(null=True, blank=True)
    stage_counts = models.JSONField(
        default=dict, blank=True, help_text="When last counted: its customers per lifecycle stage id (0: no stage)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Sizes are measurements, kept in SegmentSize: the history is of what people changed.
    history = HistoricalRecords(excluded_fields=["size", "counted_at", "stage_counts", "updated_at"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentSize(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="sizes")
    measured_at = models.DateTimeField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["segment", "measured_at"]
        indexes = [models.Index(fields=["segment", "measured_at"], name="segment_size_history")]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.size} at {self.measured_at}"
