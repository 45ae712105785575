"""Fixed offers were codes typed on the treatment: each code in use becomes a bank offer the treatment points at."""

from datetime import date

from django.db import migrations


def codes_to_offers(apps, schema_editor):
    Treatment = apps.get_model("campaigns", "Treatment")
    Offer = apps.get_model("offers", "Offer")
    fixed = Treatment.objects.filter(offer_strategy="fixed").exclude(offer_code="").select_related("campaign")
    for treatment in fixed:
        offer, _ = Offer.objects.get_or_create(
            code=treatment.offer_code,
            defaults={
                "name": f"Offer {treatment.offer_code}",
                "kind": "amount_off",
                "valid_from": treatment.campaign.start_date,
                "valid_until": max(treatment.campaign.end_date, date(2099, 12, 31)),
                "cost_per_redemption_cents": treatment.cost_per_redemption_cents,
            },
        )
        Treatment.objects.filter(pk=treatment.pk).update(offer=offer)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_treatment_offer"),
        ("offers", "0001_initial"),
    ]

    operations = [migrations.RunPython(codes_to_offers, migrations.RunPython.noop)]
