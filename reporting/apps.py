from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        from core.panels import panel_register
        from reporting import panels

        panel_register(
            slot="portfolio.main",
            template="reporting/_portfolio_campaigns.html",
            context=panels.portfolio_campaigns_panel,
        )
        panel_register(
            slot="portfolio.side", template="reporting/_portfolio_budgets.html", context=panels.portfolio_budgets_panel
        )
        panel_register(
            slot="portfolio.main",
            template="reporting/_portfolio_burn.html",
            context=panels.portfolio_burn_panel,
            order=-10,
        )
        panel_register(
            slot="portfolio.main",
            template="reporting/_portfolio_moves.html",
            context=panels.portfolio_moves_panel,
            order=10,
        )
        panel_register(
            slot="campaign.main", template="reporting/_campaign_forecast.html", context=panels.campaign_forecast_panel
        )
