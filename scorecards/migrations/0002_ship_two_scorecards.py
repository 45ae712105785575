from django.db import migrations


def ship(apps, schema_editor):
    """Every installation starts with the two shipped scorecards (the same text as the seeding service)."""
    from scorecards.shipped import SHIPPED

    template_model = apps.get_model("scorecards", "ScorecardTemplate")
    version_model = apps.get_model("scorecards", "TemplateVersion")
    area_model = apps.get_model("scorecards", "Area")
    process_model = apps.get_model("scorecards", "Process")
    for text in SHIPPED:
        if template_model.objects.filter(key=text["key"]).exists():
            continue
        template = template_model.objects.create(key=text["key"], name=text["name"], description=text["description"])
        version = version_model.objects.create(template=template, number=1)
        for area_position, area_text in enumerate(text["areas"], start=1):
            area = area_model.objects.create(version=version, position=area_position, name=area_text["name"])
            for position, process in enumerate(area_text["processes"], start=1):
                process_model.objects.create(area=area, position=position, **process)


class Migration(migrations.Migration):
    dependencies = [("scorecards", "0001_templates_and_assessments")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
