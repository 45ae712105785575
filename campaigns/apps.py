from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # Campaign contacts are imported like customers' files: the import reads its kinds from one table.
        from campaigns.imports import CONTACTS
        from customers.imports.kinds import KINDS

        KINDS[CONTACTS.name] = CONTACTS
