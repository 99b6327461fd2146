"""Seed the rotation policies, each with its history row: stricter for higher risk; tokens and
keys rotate faster than certificates.

The data and the code are frozen here as they were when this migration was written (a later
edit of `lifecycle.defaults`, which tests and the demo use, must not change what replaying
history creates)."""

from django.db import migrations

MAX_AGE_DAYS = {
    # kind: (low, medium, high, critical)
    "api_key": (365, 180, 90, 30),
    "access_key": (180, 90, 90, 30),
    "oauth_client_secret": (365, 180, 90, 60),
    "token": (180, 90, 30, 7),
    "certificate": (730, 397, 397, 90),
    "ssh_key": (365, 365, 180, 90),
    "service_account_key": (180, 90, 90, 30),
}
TIERS = ("low", "medium", "high", "critical")


def seed(apps, schema_editor):
    policy_model = apps.get_model("lifecycle", "RotationPolicy")
    historical_model = apps.get_model("lifecycle", "HistoricalRotationPolicy")
    for kind, ages in MAX_AGE_DAYS.items():
        for tier, age in zip(TIERS, ages, strict=True):
            if policy_model.objects.filter(credential_kind=kind, risk_tier=tier).exists():
                continue
            policy = policy_model.objects.create(
                credential_kind=kind,
                risk_tier=tier,
                max_age_days=age,
                reminder_days=[lead for lead in (30, 7, 1) if lead < age],
                escalate_after_days=1 if tier == "critical" else 3,
            )
            fields = {
                f.attname: getattr(policy, f.attname) for f in policy_model._meta.concrete_fields
            }
            historical_model.objects.create(
                **fields,
                history_type="+",
                history_change_reason="seeded default policy",
                history_date=policy.created_at,
            )


def unseed(apps, schema_editor):
    apps.get_model("lifecycle", "RotationPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
