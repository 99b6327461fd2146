"""Seed the default approval policies, each with its version-1 history row.

The data and the code are frozen here as they were when this migration was written (a later
edit of `approvals.defaults`, which tests and the demo use, must not change what replaying
history creates)."""

from django.db import migrations

# kind, name, domain key, roles, approvals by risk, max h, default h, flags, review h, expiry h
POLICIES = [
    (
        "onboarding", "Identity onboarding", "identity", "A", {"critical": 2},
        24 * 365, 24 * 365, {"requires_justification": True}, None, 24 * 14,
    ),
    (
        "exception", "Policy exception", "runtime_policy", "A", {"critical": 2},
        24 * 90, 24 * 30,
        {"requires_justification": True, "requires_compensating_controls": True}, None, 24 * 7,
    ),
    (
        "emergency", "Emergency (break-glass) access", "exceptions", "A", {},
        4, 2,
        {"requires_justification": True, "requires_incident_reference": True, "break_glass": True},
        24, 4,
    ),
]  # fmt: skip


def seed(apps, schema_editor):
    policy_model = apps.get_model("approvals", "ApprovalPolicy")
    historical_model = apps.get_model("approvals", "HistoricalApprovalPolicy")
    domain_model = apps.get_model("governance", "ControlDomain")
    for kind, name, domain, roles, by_risk, max_h, default_h, flags, review_h, expiry_h in POLICIES:
        if policy_model.objects.filter(kind=kind).exists():
            continue
        policy = policy_model.objects.create(
            kind=kind, name=name, approver_domain=domain_model.objects.get(key=domain),
            approver_roles=roles, approvals_by_risk=by_risk, max_duration_hours=max_h,
            default_duration_hours=default_h, post_incident_review_hours=review_h,
            pending_expiry_hours=expiry_h, **flags,
        )  # fmt: skip
        fields = {f.attname: getattr(policy, f.attname) for f in policy_model._meta.concrete_fields}
        historical_model.objects.create(
            **fields, history_type="+", history_change_reason="seeded default policy",
            history_date=policy.created_at,
        )  # fmt: skip


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
