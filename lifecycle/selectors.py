"""Reads for lifecycle pages: credentials by due date and the dashboard counts, scoped."""

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q

from approvals.selectors import active_emergency_grants
from governance.selectors import gap_count
from identities.choices import CredentialStatus, IdentityStatus
from identities.models import Credential
from identities.selectors import credential_scope, identity_scope

from .models import RotationPolicy
from .sweeps import credential_due


@dataclass(frozen=True)
class DueCredential:
    credential: Credential
    due: dt.datetime
    policy: RotationPolicy

    @property
    def overdue(self) -> bool:
        return self.due <= dt.datetime.now(tz=dt.UTC)


def rotation_due(*, user, now: dt.datetime, within_days: int = 30) -> list[DueCredential]:
    """Active credentials in the user's scope due within `within_days` (overdue included),
    soonest first: one query per rotation policy."""
    horizon = now + timedelta(days=within_days)
    scope = credential_scope(user)
    out = []
    for policy in RotationPolicy.objects.all():
        rows = (
            scope.filter(
                status=CredentialStatus.ACTIVE,
                kind=policy.credential_kind,
                identity__risk_tier=policy.risk_tier,
            )
            .exclude(identity__status=IdentityStatus.DECOMMISSIONED)
            .filter(
                Q(expires_at__lte=horizon)
                | Q(issued_at__lte=horizon - timedelta(days=policy.max_age_days))
            )
            .select_related("identity__team")
        )
        out += [
            DueCredential(c, credential_due(c.issued_at, c.expires_at, policy.max_age_days), policy)
            for c in rows
        ]
    return sorted(out, key=lambda d: d.due)


def identity_rotation(*, identity) -> list[DueCredential]:
    policies = {
        p.credential_kind: p for p in RotationPolicy.objects.filter(risk_tier=identity.risk_tier)
    }
    return [
        DueCredential(c, credential_due(c.issued_at, c.expires_at, policies[c.kind].max_age_days),
                      policies[c.kind])
        for c in identity.credentials.filter(status=CredentialStatus.ACTIVE)
        if c.kind in policies
    ]  # fmt: skip


def dashboard_counts(*, user, now: dt.datetime) -> dict:
    due = rotation_due(user=user, now=now, within_days=7)
    return {
        "rotation_overdue": sum(1 for d in due if d.due <= now),
        "expiring_7d": sum(1 for d in due if now < d.due),
        "decommission_due": identity_scope(user)
        .filter(
            status__in=(IdentityStatus.ACTIVE, IdentityStatus.SUSPENDED),
            ends_on__lt=now.date(),
        )
        .count(),
        "emergencies": active_emergency_grants(user).count(),
        "gaps": gap_count(user=user),
    }
