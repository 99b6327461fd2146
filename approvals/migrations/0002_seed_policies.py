from django.db import migrations

from approvals.defaults import POLICIES, seed_policies


def seed(apps, schema_editor):
    seed_policies(
        apps.get_model("approvals", "ApprovalPolicy"),
        apps.get_model("approvals", "HistoricalApprovalPolicy"),
        apps.get_model("governance", "ControlDomain"),
    )


def unseed(apps, schema_editor):
    apps.get_model("approvals", "ApprovalPolicy").objects.filter(
        kind__in=[p[0] for p in POLICIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("governance", "0002_seed_control_domains"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
