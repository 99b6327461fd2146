from django.db import migrations

from lifecycle.defaults import seed_rotation_policies


def seed(apps, schema_editor):
    seed_rotation_policies(
        apps.get_model("lifecycle", "RotationPolicy"),
        apps.get_model("lifecycle", "HistoricalRotationPolicy"),
    )


def unseed(apps, schema_editor):
    apps.get_model("lifecycle", "RotationPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
