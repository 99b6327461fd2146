"""Seeded rotation policies: stricter for higher risk; tokens and keys rotate faster than
certificates. Used by the demo and tests; the data migration carries its own frozen copy."""

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


def seed_rotation_policies(policy_model, historical_model) -> None:
    for kind, ages in MAX_AGE_DAYS.items():
        for tier, age in zip(TIERS, ages, strict=True):
            if policy_model.objects.filter(credential_kind=kind, risk_tier=tier).exists():
                continue
            leads = [lead for lead in (30, 7, 1) if lead < age]
            policy = policy_model.objects.create(
                credential_kind=kind,
                risk_tier=tier,
                max_age_days=age,
                reminder_days=leads,
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
