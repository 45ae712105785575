"""What reporting keeps: every computation of a campaign's results."""

from django.db import models

from campaigns.models import Campaign


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
