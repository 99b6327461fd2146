"""Runtime-access evidence (evidence reads runtime; runtime never imports evidence): one row
per issued token — which identity, under which grant and policy version, from which issuer
and subject, when issued, when it expired or was revoked and by whom — and, for the access
export, per grant the tokens issued under it."""

from collections.abc import Iterator

from django.db.models import Case, Count, F, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from runtime.models import IssuedToken

from .common import CHUNK, identity_scope_q, iso, period_q
from .sql_cells import IsoTime, JsonSpaceList, cells

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


def token_queryset(filters: dict):
    qs = IssuedToken.objects.filter(period_q(filters, "issued_at"))
    return qs.filter(identity_scope_q(filters)).order_by("issued_at", "id")


def token_rows(filters: dict, user=None) -> Iterator[dict]:
    now = timezone.now()
    qs = token_queryset(filters).values(
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


def token_csv_cells(filters: dict):
    """`token_rows` as CSV cells computed in SQL (for COPY)."""
    now = Value(timezone.now())
    ended = Case(
        When(revoked_at__isnull=False, then=Value("revoked")),
        When(expires_at__lte=now, then=Value("expired")),
    )
    expressions = {
        "jti": "jti",
        "identity_id": "identity_id",
        "identity": "identity__name",
        "external_id": "identity__external_id",
        "team": "identity__team__name",
        "platform": "identity__platform__name",
        "issuer": "exchange__issuer__issuer",
        "subject": "exchange__subject",
        "grant_id": "grant_id",
        "policy_version": "exchange__policy_version",
        "scopes": JsonSpaceList(F("scopes")),
        "audience": "audience",
        "issued_at": IsoTime(F("issued_at")),
        "expires_at": IsoTime(F("expires_at")),
        "revoked_at": IsoTime(F("revoked_at")),
        "revoked_by": "revoked_by__username",
        "revoke_reason": "revoke_reason",
        "ended_how": ended,
    }
    return token_queryset(filters).values(**cells(TOKEN_COLUMNS, expressions))


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
    return {
        "runtime_scopes": " ".join(r["runtime_scopes_"] or []),
        "tokens_issued": r["tokens_issued_"] or 0,
        "tokens_first_issued": iso(r["tokens_first_issued_"]),
        "tokens_last_issued": iso(r["tokens_last_issued_"]),
        "tokens_latest_expiry": iso(r["tokens_latest_expiry_"]),
        "tokens_revoked_at": iso(r["tokens_revoked_at_"]),
    }


def grant_token_sql() -> dict:
    """`grant_token_cells` as SQL expressions, for the access export's COPY."""
    values = grant_token_values()
    return {
        "runtime_scopes": JsonSpaceList(values["runtime_scopes_"]),
        "tokens_issued": Coalesce(values["tokens_issued_"], 0),
        **{
            name: IsoTime(values[f"{name}_"])
            for name in GRANT_TOKEN_COLUMNS
            if name not in ("runtime_scopes", "tokens_issued")
        },
    }
