"""Scorecard templates (versioned), their areas and processes, and the assessments scored against them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

LEVELS = (("basic", "Basic"), ("developing", "Developing"), ("advanced", "Advanced"))


class ScorecardTemplate(models.Model):
    """A scorecard by name. Its text lives in versions: an edit adds a version, so assessments keep theirs."""

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    template = models.ForeignKey(ScorecardTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="one_template_version_number")]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class Area(models.Model):
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="areas")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name


class Process(models.Model):
    """One scored line of a template, with what each level of practice looks like.

    `key` stays the same from one version to the next: it matches a process with its evidence indicators and
    with the same process in an assessment made on another version.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="processes")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=120)
    basic = models.TextField()
    developing = models.TextField()
    advanced = models.TextField()

    class Meta:
        ordering = ["area__position", "position"]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(help_text="The day the practice is assessed; evidence covers the year to it.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Per process key, the evidence figures as they were measured at submission (see scorecards.evidence).
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.version.template} on {self.assessed_on}"

    @property
    def submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Score(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    evidence = models.TextField(blank=True, help_text="What the assessor points to, in their own words.")

    class Meta:
        ordering = ["assessment", "process__area__position", "process__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "process"], name="one_score_per_process"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5), name="score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process}: {self.score}"
