"""The identity timeline and the credential inventory: rows for the Python path, and the same
cells formatted in SQL for COPY (`sql_cells`)."""

from collections.abc import Iterator

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from approvals.models import GrantCredential
from identities.models import Credential, LifecycleEvent

from .common import CHUNK, identity_scope_q, iso, period_q
from .sql_cells import IsoTime, WholeDays, cells

# --- lifecycle events ---------------------------------------------------------------------
LIFECYCLE_COLUMNS = [
    "event_id",
    "occurred_at",
    "kind",
    "identity_id",
    "identity",
    "external_id",
    "team",
    "platform",
    "actor",
    "summary",
    "credential_fingerprint",
    "related_type",
    "related_id",
]


LIFECYCLE_VALUES = {
    "event_id": "id",
    "occurred_at": "occurred_at",
    "kind": "kind",
    "identity_id": "identity_id",
    "identity": "identity__name",
    "external_id": "identity__external_id",
    "team": "identity__team__name",
    "platform": "identity__platform__name",
    "actor": "actor__username",
    "summary": "summary",
    "credential_fingerprint": "credential__fingerprint",
    "related_type": "related_type",
    "related_id": "related_id",
}


def lifecycle_queryset(filters: dict):
    qs = LifecycleEvent.objects.filter(period_q(filters, "occurred_at"))
    return qs.filter(identity_scope_q(filters)).order_by("occurred_at", "id")


def lifecycle_rows(filters: dict, user=None) -> Iterator[dict]:
    qs = lifecycle_queryset(filters).values_list(*LIFECYCLE_VALUES.values())
    for values in qs.iterator(chunk_size=CHUNK):
        row = dict(zip(LIFECYCLE_COLUMNS, values, strict=True))
        row["occurred_at"] = iso(row["occurred_at"])
        yield row


def lifecycle_csv_cells(filters: dict):
    expressions = {**LIFECYCLE_VALUES, "occurred_at": IsoTime(F("occurred_at"))}
    return lifecycle_queryset(filters).values(**cells(LIFECYCLE_COLUMNS, expressions))


# --- credential inventory -----------------------------------------------------------------
CREDENTIAL_COLUMNS = [
    "credential_id",
    "identity_id",
    "identity",
    "external_id",
    "team",
    "platform",
    "kind",
    "label",
    "fingerprint",
    "status",
    "issued_at",
    "expires_at",
    "rotated_at",
    "revoked_at",
    "age_days",
    "days_to_expiry",
    "issued_by",
    "revoked_by",
    "grant_id",
]


def credential_queryset(filters: dict):
    qs = Credential.objects.filter(period_q(filters, "issued_at"))
    return qs.filter(identity_scope_q(filters)).order_by("issued_at", "id")


def _grant_id():
    return Subquery(
        GrantCredential.objects.filter(credential=OuterRef("pk"))
        .order_by("pk")
        .values("grant_id")[:1]
    )


def credential_rows(filters: dict, user=None) -> Iterator[dict]:
    now = timezone.now()
    qs = credential_queryset(filters).values(
        "id",
        "identity_id",
        "identity__name",
        "identity__external_id",
        "identity__team__name",
        "identity__platform__name",
        "kind",
        "label",
        "fingerprint",
        "status",
        "issued_at",
        "expires_at",
        "rotated_at",
        "revoked_at",
        "issued_by__username",
        "revoked_by__username",
        grant_id=_grant_id(),
    )
    for r in qs.iterator(chunk_size=CHUNK):
        end = r["revoked_at"] or r["rotated_at"] or now
        yield {
            "credential_id": r["id"],
            "identity_id": r["identity_id"],
            "identity": r["identity__name"],
            "external_id": r["identity__external_id"],
            "team": r["identity__team__name"],
            "platform": r["identity__platform__name"],
            "kind": r["kind"],
            "label": r["label"],
            "fingerprint": r["fingerprint"],
            "status": r["status"],
            "issued_at": iso(r["issued_at"]),
            "expires_at": iso(r["expires_at"]),
            "rotated_at": iso(r["rotated_at"]),
            "revoked_at": iso(r["revoked_at"]),
            "age_days": (end - r["issued_at"]).days,
            "days_to_expiry": (r["expires_at"] - now).days if r["expires_at"] else None,
            "issued_by": r["issued_by__username"],
            "revoked_by": r["revoked_by__username"],
            "grant_id": r["grant_id"],
        }


def credential_csv_cells(filters: dict):
    now = Value(timezone.now())
    expressions = {
        "credential_id": "id",
        "identity_id": "identity_id",
        "identity": "identity__name",
        "external_id": "identity__external_id",
        "team": "identity__team__name",
        "platform": "identity__platform__name",
        "kind": "kind",
        "label": "label",
        "fingerprint": "fingerprint",
        "status": "status",
        "issued_at": IsoTime(F("issued_at")),
        "expires_at": IsoTime(F("expires_at")),
        "rotated_at": IsoTime(F("rotated_at")),
        "revoked_at": IsoTime(F("revoked_at")),
        "age_days": WholeDays(Coalesce("revoked_at", "rotated_at", now), F("issued_at")),
        "days_to_expiry": WholeDays(F("expires_at"), now),
        "issued_by": "issued_by__username",
        "revoked_by": "revoked_by__username",
        "grant_id": _grant_id(),
    }
    return credential_queryset(filters).values(**cells(CREDENTIAL_COLUMNS, expressions))
