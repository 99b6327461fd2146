"""Evidence exports as row streams: one SQL query per export (per chunk on SQLite), never
one per row. Each export is (columns, rows) where rows yields dicts; nested lists (approvers,
credentials) stay structured for JSON Lines and are flattened for CSV/XLSX by `formats`.

Access evidence answers, in one row per request (and its grant): who approved it, what
policy (and version) evaluated it, which secret or token was issued under it, and when it
expired or was revoked."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from approvals.models import Decision, GrantCredential, Request
from governance.exports import matrix_rows
from governance.selectors import ownership_gaps
from identities.models import Credential, LifecycleEvent

from .formats import Spread, table
from .forms import period
from .runtime_exports import (
    GRANT_TOKEN_COLUMNS,
    TOKEN_COLUMNS,
    grant_token_cells,
    grant_token_values,
    token_rows,
)

CHUNK = 2000


@dataclass(frozen=True)
class Export:
    key: str
    title: str
    columns: list[str]
    rows: object  # callable(filters, user) -> Iterator[dict]
    spread: Spread | None = None  # a list column shown as column groups in CSV and XLSX

    def table(self, filters: dict, user=None) -> tuple[list[str], Iterator[list]]:
        """Header and cell rows for CSV and XLSX."""
        return table(self.columns, self.rows(filters, user), self.spread, filters)


def _period_q(filters: dict, field: str) -> Q:
    start, end = period(filters)
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": start})
    if end:
        q &= Q(**{f"{field}__lte": end})
    return q


def identity_scope_q(filters: dict) -> Q:
    """The export filters that narrow rows by their identity: team, platform, identity."""
    q = Q()
    if filters.get("team"):
        q &= Q(identity__team__slug=filters["team"])
    if filters.get("platform"):
        q &= Q(identity__platform__slug=filters["platform"])
    if filters.get("identity"):
        q &= Q(identity_id=filters["identity"])
    return q


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- access evidence ----------------------------------------------------------------------
ACCESS_COLUMNS = [
    "request_id",
    "request_kind",
    "request_status",
    "requested_at",
    "identity_id",
    "identity",
    "external_id",
    "team",
    "platform",
    "requester",
    "justification",
    "policy_key",
    "policy_version",
    "policy_outcome",
    "policy_reasons",
    "evaluated_at",
    "accountable_owner",
    "owner_source",
    "owner_domain",
    "approvers",
    "requested_start",
    "requested_end",
    "grant_id",
    "grant_start",
    "grant_end",
    "credentials",
    "ended_how",
    "ended_at",
    "ended_by",
    "end_reason",
    "review_due_at",
    "reviewed_at",
    "reviewed_by",
    *GRANT_TOKEN_COLUMNS,
]

ACCESS_VALUES = {
    "request_id": F("pk"),
    "request_kind": F("kind"),
    "request_status": F("status"),
    "requested_at": F("created_at"),
    "identity_id_": F("identity_id"),
    "identity_name": F("identity__name"),
    "external_id": F("identity__external_id"),
    "team_name": F("identity__team__name"),
    "platform_name": F("identity__platform__name"),
    "requester_name": F("requester__username"),
    "justification_": F("justification"),
    "policy_key": F("evaluation__policy__kind"),
    "policy_version": F("evaluation__policy_version"),
    "policy_outcome": F("evaluation__outcome"),
    "policy_reasons": F("evaluation__reasons"),
    "evaluated_at": F("evaluation__evaluated_at"),
    "owners": F("evaluation__inputs__effective_owners"),
    "requested_start_": F("requested_start"),
    "requested_end_": F("requested_end"),
    "grant_id": F("grant__id"),
    "grant_start": F("grant__starts_at"),
    "grant_end": F("grant__expires_at"),
    "grant_status": F("grant__status"),
    "ended_at": F("grant__ended_at"),
    "ended_by": F("grant__ended_by__username"),
    "end_reason": F("grant__end_reason"),
    "review_due_at": F("grant__review_due_at"),
    "reviewed_at": F("grant__reviewed_at"),
    "reviewed_by": F("grant__reviewed_by__username"),
    **grant_token_values(),
}


def _approvers_subquery():
    from django.contrib.postgres.expressions import ArraySubquery

    return ArraySubquery(
        Decision.objects.filter(request=OuterRef("pk"))
        .order_by("decided_at", "id")
        .values(
            json=JSONObject(
                decider=F("decider__username"),
                outcome=F("outcome"),
                at=F("decided_at"),
                entitled_as=F("entitled_as"),
                comment=F("comment"),
            )
        )
    )


def _credentials_subquery():
    from django.contrib.postgres.expressions import ArraySubquery

    return ArraySubquery(
        GrantCredential.objects.filter(grant__request=OuterRef("pk"))
        .order_by("credential__issued_at", "id")
        .values(
            json=JSONObject(
                id=F("credential_id"),
                fingerprint=F("credential__fingerprint"),
                kind=F("credential__kind"),
                issued_at=F("credential__issued_at"),
                expires_at=F("credential__expires_at"),
                status=F("credential__status"),
                revoked_at=F("credential__revoked_at"),
                **_source_confirmation("credential_id"),
            )
        )
    )


def _source_confirmation(credential_field: str) -> dict:
    """When the platform confirmed the credential disabled (connectors' revocation job),
    the job's state, and the platform's reference; nulls when it has not (yet)."""
    from connectors.models import RevocationJob

    job = RevocationJob.objects.filter(
        credential=OuterRef(credential_field), action="disable"
    ).order_by("pk")[:1]
    return {
        "source_status": Subquery(job.values("status")),
        "source_confirmed_at": Subquery(job.values("confirmed_at")),
        "source_reference": Subquery(job.values("platform_reference")),
    }


def access_queryset(filters: dict):
    qs = Request.objects.filter(_period_q(filters, "created_at"))
    qs = qs.filter(identity_scope_q(filters))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("control"):
        from .catalog import control_request_kinds

        qs = qs.filter(kind__in=control_request_kinds(filters["control"]))
    return qs.order_by("created_at", "pk")


def approver_groups(filters: dict) -> int:
    """How many decisions the most-decided request of these filters has (one query)."""
    per_request = (
        Decision.objects.filter(request__in=access_queryset(filters))
        .values("request")
        .annotate(n=Count("id"))
        .order_by()
    )
    return per_request.aggregate(most=Max("n"))["most"] or 0


APPROVERS = Spread(
    "approvers",
    "approver",
    (("decider", "name"), ("outcome", "outcome"), ("at", "at"), ("entitled_as", "as"),
     ("comment", "comment")),
    approver_groups,
)  # fmt: skip


def _decisions_for(ids) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    rows = (
        Decision.objects.filter(request_id__in=ids)
        .order_by("decided_at", "id")
        .values(
            "request_id", "decider__username", "outcome", "decided_at", "entitled_as", "comment"
        )
    )
    for d in rows:
        out.setdefault(d["request_id"], []).append(
            {
                "decider": d["decider__username"],
                "outcome": d["outcome"],
                "at": iso(d["decided_at"]),
                "entitled_as": d["entitled_as"],
                "comment": d["comment"],
            }
        )
    return out


def _credentials_for(ids) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    rows = (
        GrantCredential.objects.filter(grant__request_id__in=ids)
        .order_by("credential__issued_at", "id")
        .values(
            "grant__request_id",
            "credential_id",
            "credential__fingerprint",
            "credential__kind",
            "credential__issued_at",
            "credential__expires_at",
            "credential__status",
            "credential__revoked_at",
            **_source_confirmation("credential_id"),
        )
    )
    for c in rows:
        out.setdefault(c["grant__request_id"], []).append(
            {
                "id": c["credential_id"],
                "fingerprint": c["credential__fingerprint"],
                "kind": c["credential__kind"],
                "issued_at": iso(c["credential__issued_at"]),
                "expires_at": iso(c["credential__expires_at"]),
                "status": c["credential__status"],
                "revoked_at": iso(c["credential__revoked_at"]),
                "source_status": c["source_status"],
                "source_confirmed_at": iso(c["source_confirmed_at"]),
                "source_reference": c["source_reference"],
            }
        )
    return out


def _access_row(r: dict, approvers: list, credentials: list) -> dict:
    owners = r["owners"] or {}
    if isinstance(owners, str):  # SQLite returns a JSON key lookup as text for objects
        import json

        owners = json.loads(owners)
    status = r["grant_status"]
    return {
        "request_id": r["request_id"],
        "request_kind": r["request_kind"],
        "request_status": r["request_status"],
        "requested_at": iso(r["requested_at"]),
        "identity_id": r["identity_id_"],
        "identity": r["identity_name"],
        "external_id": r["external_id"],
        "team": r["team_name"],
        "platform": r["platform_name"],
        "requester": r["requester_name"],
        "justification": r["justification_"],
        "policy_key": r["policy_key"],
        "policy_version": r["policy_version"],
        "policy_outcome": r["policy_outcome"],
        "policy_reasons": list(r["policy_reasons"] or []),
        "evaluated_at": iso(r["evaluated_at"]),
        "accountable_owner": owners.get("accountable"),
        "owner_source": owners.get("accountable_source"),
        "owner_domain": owners.get("domain"),
        "approvers": [_norm(a) for a in approvers if a.get("outcome") == "approve"]
        + [_norm(a) for a in approvers if a.get("outcome") != "approve"],
        "requested_start": iso(r["requested_start_"]),
        "requested_end": iso(r["requested_end_"]),
        "grant_id": r["grant_id"],
        "grant_start": iso(r["grant_start"]),
        "grant_end": iso(r["grant_end"]),
        "credentials": [_norm(c) for c in credentials],
        "ended_how": status if status and status != "active" else None,
        "ended_at": iso(r["ended_at"]),
        "ended_by": r["ended_by"],
        "end_reason": r["end_reason"] or None,
        "review_due_at": iso(r["review_due_at"]),
        "reviewed_at": iso(r["reviewed_at"]),
        "reviewed_by": r["reviewed_by"],
        **grant_token_cells(r),
    }


TIMES = ("at", "issued_at", "expires_at", "revoked_at", "source_confirmed_at")


def _norm(item: dict) -> dict:
    """Timestamps from PostgreSQL's JSON and from Python to one ISO form."""
    out = {}
    for k, v in item.items():
        if isinstance(v, str) and k in TIMES:
            v = iso(dt.datetime.fromisoformat(v))
        out[k] = v
    return out


def access_rows(filters: dict, user=None) -> Iterator[dict]:
    """One query on PostgreSQL (approvers and credentials as JSON array subqueries), streamed
    with a server-side cursor; on SQLite one query per chunk plus two for its relations."""
    qs = access_queryset(filters).values(**ACCESS_VALUES)
    if connection.vendor == "postgresql":
        qs = qs.annotate(approvers=_approvers_subquery(), credentials=_credentials_subquery())
        for r in qs.iterator(chunk_size=CHUNK):
            yield _access_row(r, r["approvers"] or [], r["credentials"] or [])
        return
    chunk: list[dict] = []
    for r in qs.iterator(chunk_size=CHUNK):
        chunk.append(r)
        if len(chunk) >= CHUNK:
            yield from _flush(chunk)
            chunk = []
    yield from _flush(chunk)


def _flush(chunk):
    if not chunk:
        return
    ids = [r["request_id"] for r in chunk]
    decisions, credentials = _decisions_for(ids), _credentials_for(ids)
    for r in chunk:
        yield _access_row(
            r, decisions.get(r["request_id"], []), credentials.get(r["request_id"], [])
        )


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


def lifecycle_rows(filters: dict, user=None) -> Iterator[dict]:
    qs = LifecycleEvent.objects.filter(_period_q(filters, "occurred_at"))
    qs = qs.filter(identity_scope_q(filters))
    qs = qs.order_by("occurred_at", "id").values(
        "id",
        "occurred_at",
        "kind",
        "identity_id",
        "identity__name",
        "identity__external_id",
        "identity__team__name",
        "identity__platform__name",
        "actor__username",
        "summary",
        "credential__fingerprint",
        "related_type",
        "related_id",
    )
    for r in qs.iterator(chunk_size=CHUNK):
        yield dict(
            zip(
                LIFECYCLE_COLUMNS,
                [r["id"], iso(r["occurred_at"]), *list(r.values())[2:]],
                strict=True,
            )
        )


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


def credential_rows(filters: dict, user=None) -> Iterator[dict]:
    now = timezone.now()
    qs = Credential.objects.filter(_period_q(filters, "issued_at"))
    qs = qs.filter(identity_scope_q(filters))
    grant = GrantCredential.objects.filter(credential=OuterRef("pk")).values("grant_id")[:1]
    qs = qs.order_by("issued_at", "id").values(
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
        grant_id=Subquery(grant),
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


# --- ownership gaps and the RACI matrix ---------------------------------------------------
GAP_COLUMNS = [
    "identity_id",
    "identity",
    "external_id",
    "team",
    "platform",
    "status",
    "domain",
    "gap",
    "current_accountable",
]


def gap_rows(filters: dict, user=None) -> Iterator[dict]:
    gap_filters = {k: filters[k] for k in ("team", "platform") if filters.get(k)}
    for gap in ownership_gaps(user=user, filters=gap_filters):
        identity = gap.identity
        if filters.get("identity") and identity.pk != filters["identity"]:
            continue
        yield {
            "identity_id": identity.pk,
            "identity": identity.name,
            "external_id": identity.external_id,
            "team": identity.team.name,
            "platform": identity.platform.name,
            "status": identity.status,
            "domain": gap.domain.key,
            "gap": gap.reason_label,
            "current_accountable": str(gap.raci.accountable) if gap.raci.accountable else None,
        }


def raci_as_of(filters: dict) -> dt.datetime | None:
    return period(filters)[1]


def raci_rows(filters: dict, user=None) -> Iterator[dict]:
    rows = matrix_rows(as_of=raci_as_of(filters))
    header = next(rows)
    for row in rows:
        yield dict(zip(header, row, strict=True))


def raci_columns() -> list[str]:
    from governance.exports import HEADER

    return list(HEADER)


def posture_rows(filters: dict, user=None) -> Iterator[dict]:
    from .checks import posture

    for control in posture(filters=filters):
        yield control.as_row()


POSTURE_COLUMNS = [
    "framework",
    "control_id",
    "urn",
    "title",
    "status",
    "checks",
    "evaluated",
    "failing",
    "passing",
]


def review_rows(filters: dict, user=None) -> Iterator[dict]:
    """Access review reports: who reviewed what, when, the decision and the comment (the
    campaigns overlapping the period)."""
    from lifecycle.reviews.selectors import report_items, report_rows

    start, end = period(filters)
    scoped = {k: filters.get(k) for k in ("team", "platform", "identity")}
    items = report_items(filters={**scoped, "start": start, "end": end})
    yield from report_rows(items=items)


def review_columns() -> list[str]:
    from lifecycle.reviews.selectors import REPORT_COLUMNS

    return list(REPORT_COLUMNS)


EXPORTS = {
    e.key: e
    for e in (
        Export("access", "Access evidence", ACCESS_COLUMNS, access_rows, APPROVERS),
        Export("lifecycle", "Lifecycle events", LIFECYCLE_COLUMNS, lifecycle_rows),
        Export("raci", "RACI matrix", raci_columns(), raci_rows),
        Export("gaps", "Ownership gaps", GAP_COLUMNS, gap_rows),
        Export("credentials", "Credential inventory", CREDENTIAL_COLUMNS, credential_rows),
        Export("posture", "Framework posture", POSTURE_COLUMNS, posture_rows),
        Export("reviews", "Access reviews", review_columns(), review_rows),
        Export("runtime-tokens", "Runtime tokens", TOKEN_COLUMNS, token_rows),
    )
}
