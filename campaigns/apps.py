from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # Campaign contacts are imported like customers' files: the import reads its kinds from one table.
        from campaigns.imports import CONTACTS
        from campaigns.models import ContactHistory
        from campaigns.panels import customer_contacts_panel, customer_offers_panel
        from campaigns.services.allocation import allocation_job_failed, allocation_runs_settle
        from campaigns.services.release import committed_cents
        from campaigns.suppression_imports import SUPPRESSIONS
        from core.models import Job
        from core.panels import panel_register
        from core.services import job_failure_register, job_sweep_register
        from customers.imports.kinds import KINDS
        from segments.features import contact_log_register
        from segments.portfolios import budget_floor_register

        KINDS[CONTACTS.name] = CONTACTS
        KINDS[SUPPRESSIONS.name] = SUPPRESSIONS
        contact_log_register(table=ContactHistory._meta.db_table)
        job_failure_register(Job.Kind.OFFER_ALLOCATION, allocation_job_failed)
        job_failure_register(Job.Kind.OFFER_ALLOCATION_CHUNK, allocation_job_failed)
        job_sweep_register(allocation_runs_settle)
        budget_floor_register(
            lambda portfolio_id, year, quarter: committed_cents(portfolio_id=portfolio_id, year=year, quarter=quarter)
        )
        panel_register(
            slot="customer.marketing",
            template="campaigns/_customer_contacts.html",
            context=customer_contacts_panel,
            order=20,
        )
        panel_register(
            slot="customer.marketing",
            template="campaigns/_customer_offers.html",
            context=customer_offers_panel,
            order=25,
        )
