from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        # The offer bank is imported like customers' files: the import reads its kinds from one table.
        from customers.imports.kinds import KINDS
        from offers.imports import OFFERS

        KINDS[OFFERS.name] = OFFERS
