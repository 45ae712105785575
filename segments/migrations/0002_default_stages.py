from django.db import migrations

from segments.defaults import DEFAULT_STAGES


def create_default_stages(apps, schema_editor) -> None:
    stage_model = apps.get_model("segments", "LifecycleStage")
    for position, (code, name, description, colour, rules) in enumerate(DEFAULT_STAGES, start=1):
        stage_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "colour": colour,
                "rules": rules,
                "position": position * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("segments", "0001_initial")]

    operations = [migrations.RunPython(create_default_stages, migrations.RunPython.noop)]
