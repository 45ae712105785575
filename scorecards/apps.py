from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    """Maturity scorecards: templates, dated assessments and the evidence measured from the other apps."""

    name = "scorecards"
    verbose_name = "Scorecards"
