"""Helpers for approvals tests: requests are made through the services (the rules under
test), never by factories that would skip the evaluation."""

from datetime import timedelta

from django.utils import timezone

from approvals import services
from approvals.choices import RequestKind
from core.models import Notification

EXCEPTION_FIELDS = {
    "excepted_policy": "credentials rotate every 90 days",
    "scope": "the ledger signing key",
    "justification": "Vendor freeze until the migration lands.",
    "compensating_controls": "IP allow-list and daily usage review.",
}
EMERGENCY_FIELDS = {
    "access_requested": "read the production ledger database",
    "justification": "Ledger outage; reconcile by hand.",
    "incident_reference": "INC-2041",
}


def submit_exception(*, actor, identity, days: float = 30, now=None, **fields):
    now = now or timezone.now()
    data = {**EXCEPTION_FIELDS, **fields}
    return services.request_submit(
        actor=actor,
        kind=RequestKind.EXCEPTION,
        identity=identity,
        requested_start=data.pop("requested_start", now),
        requested_end=data.pop("requested_end", now + timedelta(days=days)),
        now=now,
        **data,
    )


def submit_emergency(*, actor, identity, hours: float = 2, now=None, **fields):
    return services.request_submit(
        actor=actor,
        kind=RequestKind.EMERGENCY,
        identity=identity,
        duration_hours=hours,
        now=now,
        **{**EMERGENCY_FIELDS, **fields},
    )


def onboarding_data(*, team, platform, name="refund-agent", **extra) -> dict:
    return {
        "team": team,
        "platform": platform,
        "name": name,
        "kind": "ai_agent",
        "external_id": f"payments/{name}",
        "environment": "production",
        "purpose": "Drafts refund decisions for human review.",
        "risk_tier": "medium",
        "entitlements": ["refunds:read"],
        **extra,
    }


def approve(req, actor, **kw):
    return services.request_decide(request_id=req.pk, actor=actor, outcome="approve", **kw)


def reject(req, actor, **kw):
    return services.request_decide(request_id=req.pk, actor=actor, outcome="reject", **kw)


def notified(kind, user) -> bool:
    return Notification.objects.filter(kind=kind, recipient=user).exists()
