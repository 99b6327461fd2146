"""The seeded default approval policies (DESIGN: onboarding → A of identity; exception → A of
runtime policy, ≤ 90 days, compensating controls; emergency → A of exceptions, active at once,
≤ 4 hours, post-incident review within 24 hours). Used by the demo and tests; the data
migration carries its own frozen copy."""

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


def seed_policies(policy_model, historical_model, domain_model) -> None:
    """Create the missing default policies, each with its version-1 history row.

    Takes the model classes so the migration can pass its historical models."""
    for kind, name, domain, roles, by_risk, max_h, default_h, flags, review_h, expiry_h in POLICIES:
        if policy_model.objects.filter(kind=kind).exists():
            continue
        policy = policy_model.objects.create(
            kind=kind, name=name, approver_domain=domain_model.objects.get(key=domain),
            approver_roles=roles, approvals_by_risk=by_risk, max_duration_hours=max_h,
            default_duration_hours=default_h, post_incident_review_hours=review_h,
            pending_expiry_hours=expiry_h, **flags,
        )  # fmt: skip
        if historical_model.objects.filter(id=policy.pk).exists():
            continue  # real models (tests, demo): simple-history's signal wrote version 1
        fields = {f.attname: getattr(policy, f.attname) for f in policy_model._meta.concrete_fields}
        historical_model.objects.create(
            **fields, history_type="+", history_change_reason="seeded default policy",
            history_date=policy.created_at,
        )  # fmt: skip
