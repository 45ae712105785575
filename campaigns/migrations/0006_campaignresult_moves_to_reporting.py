from django.db import migrations


class Migration(migrations.Migration):
    """Results are reporting's now: the model leaves campaigns' state, its table stays where it is."""

    dependencies = [
        ("campaigns", "0005_treatment_fixed_offer_code"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CampaignResult")],
            database_operations=[],
        ),
    ]
