from django.apps import AppConfig


class DeskConfig(AppConfig):
    """What composes several domain apps: the home page, the global search and the demo data."""

    name = "desk"
    verbose_name = "Campaign Desk"
