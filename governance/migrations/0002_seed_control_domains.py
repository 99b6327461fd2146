"""Seed the control domains of DESIGN.md, with a history row each."""

from django.db import migrations
from django.utils import timezone

DOMAINS = [
    (
        "identity",
        "Identity (IAM)",
        "IAM",
        "Who the identity is and what it may do.",
        [
            "approve onboarding of a new identity",
            "approve entitlements and scopes",
            "attest the owner and purpose in access reviews",
            "decommission the identity",
        ],
    ),
    (
        "runtime_policy",
        "Runtime policy (platform security)",
        "platform security",
        "The runtime guardrails the identity runs under on its platform.",
        [
            "set network, admission and runtime policies",
            "approve credential kinds and storage",
            "set rotation policy and enforce expiry",
        ],
    ),
    (
        "consumption",
        "Consumption oversight (finance)",
        "finance",
        "Usage and spend of the identity: signals for triage, never authorisation inputs.",
        [
            "triage usage and cost signals",
            "set budgets and spend alerts",
            "approve high-consumption workloads",
        ],
    ),
    (
        "engineering",
        "Service behaviour & release lifecycle (engineering)",
        "engineering",
        "What the service using the identity does, and how it is released.",
        [
            "own the service behaviour and its changes",
            "rotate credentials and release changes",
            "respond to incidents involving the identity",
        ],
    ),
    (
        "exceptions",
        "Policy exceptions & emergency access",
        "security governance",
        "Deviations from policy and break-glass access.",
        [
            "approve policy exceptions and their duration",
            "approve emergency (break-glass) access",
            "run post-incident reviews",
        ],
    ),
]


def seed(apps, schema_editor):
    ControlDomain = apps.get_model("governance", "ControlDomain")
    Historical = apps.get_model("governance", "HistoricalControlDomain")
    now = timezone.now()
    for position, (key, name, function, description, rights) in enumerate(DOMAINS, start=1):
        domain, created = ControlDomain.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "function": function,
                "description": description,
                "decision_rights": rights,
                "position": position * 10,
                "created_at": now,
            },
        )
        if created:
            Historical.objects.create(
                id=domain.pk,
                key=key,
                name=name,
                function=function,
                description=description,
                decision_rights=rights,
                position=domain.position,
                created_at=now,
                updated_at=domain.updated_at,
                history_date=now,
                history_type="+",
                history_change_reason="seeded by migration",
            )


def unseed(apps, schema_editor):
    ControlDomain = apps.get_model("governance", "ControlDomain")
    ControlDomain.objects.filter(key__in=[d[0] for d in DOMAINS], assignments=None).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
