from django.apps import AppConfig


class DeskConfig(AppConfig):
    """What composes several domain apps: the home page, the global search and the demo data."""

    name = "desk"
    verbose_name = "Campaign Desk"

    def ready(self) -> None:
        from core.demo import demo_loader_register
        from desk.demo import demo_retailer_load

        demo_loader_register(demo_retailer_load)
