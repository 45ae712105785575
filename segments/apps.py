from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = "Segments, stages and portfolios"

    def ready(self) -> None:
        from core.panels import panel_register
        from segments import panels

        panel_register(
            slot="customer.marketing",
            template="segments/_customer_stages.html",
            context=panels.customer_stages,
            order=10,
        )
        panel_register(slot="customer.side", template="segments/_customer_now.html", context=panels.customer_now)
