"""Runtime-access evidence (evidence reads runtime; runtime never imports evidence): one row
per issued token — which identity, under which grant and policy version, from which issuer
and subject, when issued, when it expired or was revoked and by whom — and, for the access
export, per grant the tokens issued under it."""

from collections.abc import Iterator

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from runtime.models import IssuedToken

CHUNK = 2000

TOKEN_COLUMNS = [
    "jti",
    "identity_id",
    "identity",
    "external_id",
    "team",
    "platform",
    "issuer",
    "subject",
    "grant_id",
    "policy_version",
    "scopes",
    "audience",
    "issued_at",
    "expires_at",
    "revoked_at",
    "revoked_by",
    "revoke_reason",
    "ended_how",
]


def token_rows(filters: dict, user=None) -> Iterator[dict]:
    from .exports import _period_q, identity_scope_q, iso

    now = timezone.now()
    qs = IssuedToken.objects.filter(_period_q(filters, "issued_at"))
    qs = qs.filter(identity_scope_q(filters))
    qs = qs.order_by("issued_at", "id").values(
        "jti",
        "identity_id",
        "scopes",
        "audience",
        "issued_at",
        "expires_at",
        "revoked_at",
        "revoke_reason",
        "grant_id",
        identity_name=F("identity__name"),
        external_id=F("identity__external_id"),
        team=F("identity__team__name"),
        platform=F("identity__platform__name"),
        issuer=F("exchange__issuer__issuer"),
        subject=F("exchange__subject"),
        policy_version=F("exchange__policy_version"),
        revoked_by_name=F("revoked_by__username"),
    )
    for r in qs.iterator(chunk_size=CHUNK):
        ended = "revoked" if r["revoked_at"] else "expired" if r["expires_at"] <= now else None
        yield {
            "jti": r["jti"],
            "identity_id": r["identity_id"],
            "identity": r["identity_name"],
            "external_id": r["external_id"],
            "team": r["team"],
            "platform": r["platform"],
            "issuer": r["issuer"],
            "subject": r["subject"],
            "grant_id": r["grant_id"],
            "policy_version": r["policy_version"],
            "scopes": " ".join(r["scopes"] or []),
            "audience": r["audience"],
            "issued_at": iso(r["issued_at"]),
            "expires_at": iso(r["expires_at"]),
            "revoked_at": iso(r["revoked_at"]),
            "revoked_by": r["revoked_by_name"],
            "revoke_reason": r["revoke_reason"] or None,
            "ended_how": ended,
        }


# --- per grant, for the access export ---------------------------------------------------------
GRANT_TOKEN_COLUMNS = [
    "runtime_scopes",
    "tokens_issued",
    "tokens_first_issued",
    "tokens_last_issued",
    "tokens_latest_expiry",
    "tokens_revoked_at",
]


def _per_grant(aggregate):
    return Subquery(
        IssuedToken.objects.filter(grant=OuterRef("grant__id"))
        .order_by()
        .values("grant")
        .annotate(value=aggregate)
        .values("value")[:1]
    )


def grant_token_values() -> dict:
    """Expressions for `Request.objects.values(...)`: the tokens issued under its grant."""
    return {
        "runtime_scopes_": F("scopes"),  # what the request asked, so what its grant covers
        "tokens_issued_": _per_grant(Count("pk")),
        "tokens_first_issued_": _per_grant(Min("issued_at")),
        "tokens_last_issued_": _per_grant(Max("issued_at")),
        "tokens_latest_expiry_": _per_grant(Max("expires_at")),
        "tokens_revoked_at_": _per_grant(Max("revoked_at", filter=Q(revoked_at__isnull=False))),
    }


def grant_token_cells(r: dict) -> dict:
    from .exports import iso

    return {
        "runtime_scopes": " ".join(r["runtime_scopes_"] or []),
        "tokens_issued": r["tokens_issued_"] or 0,
        "tokens_first_issued": iso(r["tokens_first_issued_"]),
        "tokens_last_issued": iso(r["tokens_last_issued_"]),
        "tokens_latest_expiry": iso(r["tokens_latest_expiry_"]),
        "tokens_revoked_at": iso(r["tokens_revoked_at_"]),
    }
