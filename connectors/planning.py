"""Which revocations Steward owes its platforms: one set-based, idempotent query.

Lower apps never import connectors, so nothing calls us when access ends. Instead this
planner finds every credential that Steward has ended — revoked or expired, linked to a
grant that ended, or held by a suspended or decommissioned identity (an access review's
"end" reaches here through the suspension or decommission it causes) — on a platform with
an enabled connector, and with no revocation job yet. Beat runs it every minute, and a
post_save receiver on the identity timeline enqueues it right after the commit that ended
access (connectors.signals). The unique constraint (credential, action) makes a second run,
or two planners at once, create nothing twice; planners also serialise on an advisory lock
so their history rows are written once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from approvals.choices import GrantStatus
from approvals.models import GrantCredential
from core.system import system_user
from identities.choices import CredentialStatus, IdentityStatus
from identities.models import Credential

from .choices import JobStatus, RevocationAction, RevocationReason
from .models import PlatformConnector, RevocationJob

LOCK_KEY = 0x436F_6E6E  # "Conn": pg_advisory_xact_lock key of the planner

ENDED_GRANT = GrantCredential.objects.filter(
    credential=OuterRef("pk"),
    grant__status__in=(GrantStatus.EXPIRED, GrantStatus.REVOKED, GrantStatus.DECOMMISSIONED),
)
# The most telling reason first.
REASON = Case(
    When(identity__status=IdentityStatus.DECOMMISSIONED,
         then=Value(RevocationReason.IDENTITY_DECOMMISSIONED)),
    When(identity__status=IdentityStatus.SUSPENDED,
         then=Value(RevocationReason.IDENTITY_SUSPENDED)),
    When(status=CredentialStatus.EXPIRED, then=Value(RevocationReason.CREDENTIAL_EXPIRED)),
    When(status=CredentialStatus.REVOKED, then=Value(RevocationReason.CREDENTIAL_REVOKED)),
    default=Value(RevocationReason.GRANT_ENDED),
)  # fmt: skip


def ended_credentials():
    """Credentials whose access Steward has ended (whatever the platform)."""
    return Credential.objects.annotate(ended_grant=Exists(ENDED_GRANT)).filter(
        Q(status__in=(CredentialStatus.REVOKED, CredentialStatus.EXPIRED))
        | Q(
            status=CredentialStatus.ACTIVE,
            identity__status__in=(IdentityStatus.SUSPENDED, IdentityStatus.DECOMMISSIONED),
        )
        | Q(status=CredentialStatus.ACTIVE, ended_grant=True)
    )


def plan_revocations(*, now: dt.datetime | None = None) -> int:
    """Create the missing revocation jobs; returns how many were created."""
    now = now or timezone.now()
    batch = settings.LIFECYCLE_SWEEP_BATCH_SIZE
    created = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            rows = _disable_candidates(batch, now) or _delete_candidates(batch, now)
            if not rows:
                return created
            bulk_create_with_history(
                rows,
                RevocationJob,
                default_user=system_user(),
                default_change_reason="planned: Steward ended this access",
            )
            created += len(rows)


def _disable_candidates(limit: int, now: dt.datetime) -> list[RevocationJob]:
    has_job = RevocationJob.objects.filter(
        credential=OuterRef("pk"), action=RevocationAction.DISABLE
    )
    rows = (
        ended_credentials()
        .filter(identity__platform__connector__enabled=True)
        .exclude(Exists(has_job))
        .annotate(reason=REASON, connector_id=F("identity__platform__connector__id"))
        .order_by("pk")
        .values("pk", "identity_id", "reason", "connector_id")[:limit]
    )
    return [
        RevocationJob(
            connector_id=r["connector_id"],
            credential_id=r["pk"],
            identity_id=r["identity_id"],
            action=RevocationAction.DISABLE,
            reason=r["reason"],
            next_attempt_at=now,
        )
        for r in rows
    ]


def _delete_candidates(limit: int, now: dt.datetime) -> list[RevocationJob]:
    """Where the connector's policy says so: delete at the source once the grace after a
    confirmed disable has passed."""
    out = []
    for connector in PlatformConnector.objects.filter(
        enabled=True, delete_after_days__isnull=False
    ):
        has_delete = RevocationJob.objects.filter(
            credential=OuterRef("credential_id"), action=RevocationAction.DELETE
        )
        disabled = (
            RevocationJob.objects.filter(
                connector=connector,
                action=RevocationAction.DISABLE,
                status=JobStatus.DONE,
                confirmed_at__lte=now - dt.timedelta(days=connector.delete_after_days),
            )
            .exclude(source_state__in=("absent", "deleted"))
            .exclude(Exists(has_delete))
            .order_by("pk")
            .values("credential_id", "identity_id")[: limit - len(out)]
        )
        out += [
            RevocationJob(
                connector=connector,
                credential_id=r["credential_id"],
                identity_id=r["identity_id"],
                action=RevocationAction.DELETE,
                reason=RevocationReason.GRACE_PASSED,
                next_attempt_at=now,
            )
            for r in disabled
        ]
        if len(out) >= limit:
            break
    return out
