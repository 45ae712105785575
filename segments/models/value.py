from django.db import models


class ValueModelFit(models.Model):
    """A BG/NBD fit: the parameters, how well it predicted a held-out period, and when it was made."""

    as_of = models.DateField(help_text="Fitted on the purchases made on this day or before.")
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    customers = models.PositiveIntegerField()
    log_likelihood = models.FloatField()
    horizon_days = models.PositiveIntegerField(default=90)
    calibration = models.JSONField(default=dict, help_text="Predicted and actual repeat orders in a held-out period.")
    fitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fitted_at"]

    def __str__(self) -> str:
        return f"BG/NBD as of {self.as_of}"
