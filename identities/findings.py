"""Findings on identities: raised by a source (an importer), resolved by an owner with a reason.

A finding is a fact an owner must look at — today, an IAM user that can sign in to the console
(a human may be using a non-human identity). It stays open, visible on the identity page and
as a registry filter (`open_findings`), until the identity's owner (A/R) or an admin resolves
it with a reason. A finding of a kind is raised once per identity: a resolved finding is an
accepted answer, so re-importing the same report does not raise it again.

Kept out of `services.py` (which is at its size limit); same rules: history with a reason,
permission checks inside the transaction, the secret guard on the free text.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.history import stamp

from .models import Identity, IdentityFinding
from .secrets import ensure_no_secret_values
from .selectors import can_change_risk_profile


# --- reads ------------------------------------------------------------------------------
def open_findings_exist() -> Exists:
    """The identity has an open finding (registry filter, dashboards)."""
    return Exists(IdentityFinding.objects.filter(identity=OuterRef("pk"), resolved_at__isnull=True))


def finding_kinds_recorded(*, identity_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(identity id, kind) of every finding ever raised, open or resolved: one query."""
    return set(
        IdentityFinding.objects.filter(identity_id__in=list(identity_ids)).values_list(
            "identity_id", "kind"
        )
    )


def identity_findings(*, identity: Identity):
    return identity.findings.select_related("resolved_by").order_by("resolved_at", "-created_at")


def can_resolve_finding(user, identity: Identity) -> bool:
    return can_change_risk_profile(user, identity)


# --- writes -----------------------------------------------------------------------------
def findings_raise_many(
    *, actor, findings: list[tuple[Identity, str, str]], source: str
) -> list[IdentityFinding]:
    """Raise (identity, kind, detail) findings not raised before, with history, in bulk.

    Runs inside the caller's transaction (the import's); kinds already recorded on an
    identity (open or resolved) are left alone."""
    if not findings:
        return []
    recorded = finding_kinds_recorded(identity_ids={i.pk for i, _, _ in findings})
    new = [
        IdentityFinding(
            identity=identity,
            kind=kind,
            detail=detail[:300],
            source=source[:50],
            raised_by=actor,
        )
        for identity, kind, detail in findings
        if (identity.pk, kind) not in recorded
    ]
    if new:
        bulk_create_with_history(
            new,
            IdentityFinding,
            batch_size=500,
            default_user=actor,
            default_change_reason=f"raised by {source}",
        )
    return new


def finding_resolve(*, actor, finding: IdentityFinding, reason: str) -> IdentityFinding:
    """Close an open finding with the reason the owner gives (e.g. "break-glass user, the
    password is in the vault" or "password removed")."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this finding is resolved."})
    ensure_no_secret_values({"reason": reason})
    with transaction.atomic():
        locked = (
            IdentityFinding.objects.select_for_update()
            .select_related("identity")
            .get(pk=finding.pk)
        )
        if not can_resolve_finding(actor, locked.identity):
            raise PermissionDenied(
                "Only the identity's owners (A or R) or an admin resolve its findings."
            )
        if not locked.is_open:
            raise ValidationError("This finding is already resolved.")
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution = reason
        stamp(locked, actor=actor, reason=f"resolved by {actor}: {reason}"[:100])
        locked.save()
    return locked
