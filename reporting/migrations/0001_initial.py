import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Results come over from campaigns with their table (campaigns_campaignresult): state only, no SQL."""

    initial = True

    dependencies = [
        ("campaigns", "0006_campaignresult_moves_to_reporting"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CampaignResult",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("version", models.PositiveIntegerField()),
                        ("computed_at", models.DateTimeField(auto_now_add=True)),
                        ("seconds", models.FloatField(default=0)),
                        ("payload", models.JSONField()),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="results",
                                to="campaigns.campaign",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "campaigns_campaignresult",
                        "ordering": ["campaign", "-version"],
                        "constraints": [
                            models.UniqueConstraint(fields=("campaign", "version"), name="one_result_per_version")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
