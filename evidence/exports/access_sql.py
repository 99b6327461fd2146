"""Access evidence as CSV cells computed in SQL, for COPY on PostgreSQL: the same columns,
the same filters (`access_queryset`) and the same text as the Python path (`access._access_row`
flattened by `formats.flat`, the approvers spread by `formats.table`, guarded by `csv_cell`)."""

from django.contrib.postgres.aggregates import JSONBAgg, StringAgg
from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import JSONArray

from approvals.models import Decision, GrantCredential

from .access import (
    ACCESS_COLUMNS,
    APPROVERS,
    CREDENTIAL_KEYS,
    access_queryset,
    source_confirmation,
)
from .sql_cells import IsoTime, JsonTextList, Pairs, cells
from .tokens import grant_token_sql


def _joined(queryset, group: str, item, ordering) -> Subquery:
    """One text per outer row: the items " | "-joined in order (`formats.flat` of a list)."""
    return Subquery(
        queryset.order_by()
        .values(group)
        .annotate(text=StringAgg(item, " | ", order_by=ordering))
        .values("text")
    )


def _approvers() -> Subquery:
    """The `APPROVERS` column groups' cells as one JSON array per request, an array of the
    spread's fields per decision: approvals first, then the other decisions, each by time (as
    `_access_row` orders); `csv_copy` expands it into the groups."""
    values = {
        "decider": F("decider__username"),
        "outcome": F("outcome"),
        "at": IsoTime(F("decided_at")),
        "entitled_as": F("entitled_as"),
        "comment": F("comment"),
    }
    item = JSONArray(*(values[key] for key, _ in APPROVERS.fields))
    approve_first = Case(When(outcome="approve", then=0), default=1, output_field=IntegerField())
    return Subquery(
        Decision.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(items=JSONBAgg(item, order_by=(approve_first, "decided_at", "id")))
        .values("items")
    )


def _credentials():
    confirmation = source_confirmation("credential_id")
    item = Pairs(
        CREDENTIAL_KEYS,
        {
            "id": F("credential_id"),
            "fingerprint": F("credential__fingerprint"),
            "kind": F("credential__kind"),
            "issued_at": IsoTime(F("credential__issued_at")),
            "expires_at": IsoTime(F("credential__expires_at")),
            "status": F("credential__status"),
            "revoked_at": IsoTime(F("credential__revoked_at")),
            "source_status": confirmation["source_status"],
            "source_confirmed_at": IsoTime(confirmation["source_confirmed_at"]),
            "source_reference": confirmation["source_reference"],
        },
    )
    return _joined(
        GrantCredential.objects.filter(grant__request=OuterRef("pk")),
        "grant__request",
        item,
        ("credential__issued_at", "id"),
    )


def _owner(key: str):
    return KeyTextTransform(key, KeyTransform("effective_owners", "evaluation__inputs"))


def access_csv_cells(filters: dict):
    expressions = {
        "request_id": "pk",
        "request_kind": "kind",
        "request_status": "status",
        "requested_at": IsoTime(F("created_at")),
        "identity_id": "identity_id",
        "identity": "identity__name",
        "external_id": "identity__external_id",
        "team": "identity__team__name",
        "platform": "identity__platform__name",
        "requester": "requester__username",
        "justification": "justification",
        "policy_key": "evaluation__policy__kind",
        "policy_version": "evaluation__policy_version",
        "policy_outcome": "evaluation__outcome",
        "policy_reasons": JsonTextList(F("evaluation__reasons")),
        "evaluated_at": IsoTime(F("evaluation__evaluated_at")),
        "accountable_owner": _owner("accountable"),
        "owner_source": _owner("accountable_source"),
        "owner_domain": _owner("domain"),
        "approvers": _approvers(),
        "requested_start": IsoTime(F("requested_start")),
        "requested_end": IsoTime(F("requested_end")),
        "grant_id": "grant__id",
        "grant_start": IsoTime(F("grant__starts_at")),
        "grant_end": IsoTime(F("grant__expires_at")),
        "credentials": _credentials(),
        "ended_how": Case(When(grant__status="active", then=Value(None)), default="grant__status"),
        "ended_at": IsoTime(F("grant__ended_at")),
        "ended_by": "grant__ended_by__username",
        "end_reason": "grant__end_reason",
        "review_due_at": IsoTime(F("grant__review_due_at")),
        "reviewed_at": IsoTime(F("grant__reviewed_at")),
        "reviewed_by": "grant__reviewed_by__username",
        **grant_token_sql(),
    }
    return access_queryset(filters).values(
        **cells(ACCESS_COLUMNS, expressions, raw=APPROVERS.column)
    )
