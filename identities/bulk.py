"""Set-based registration of many identities (imports, connector syncs): on PostgreSQL the
identities by COPY (ids drawn from their sequence first), their history rows by
`INSERT ... SELECT` from them, each chained in the evidence ledger through
`core.signals.rows_inserted`, elsewhere by `bulk_create_with_history`; their onboarded events
by `timeline.lifecycle_event_rows_insert` everywhere. The rows equal what
`bulk_create_with_history` and `LifecycleEvent.objects.bulk_create` would write.

Table and column names come from the models' metadata (code, never input); values are params
or COPY data."""

import json
from collections.abc import Iterable
from itertools import groupby

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.history import history_rows_insert

from .choices import EventKind
from .models import Identity
from .timeline import event_row, lifecycle_event_rows_insert


def identities_insert(identities: list[Identity]) -> list[Identity]:
    """Insert built identities (stamped by `core.history.stamp`) with a '+' history row each;
    returns them with their ids."""
    if connection.vendor != "postgresql":
        return bulk_create_with_history(identities, Identity, batch_size=1000)
    now = timezone.now()
    for identity in identities:
        identity.created_at = identity.updated_at = now
    _copy_identities(identities)
    key = lambda i: (i._history_user.pk, i._change_reason)  # noqa: E731
    for (user_id, reason), group in groupby(sorted(identities, key=key), key=key):
        history_rows_insert(
            Identity, sorted(i.pk for i in group), user_id=user_id, reason=reason, now=now
        )
    return identities


def _copy_identities(identities: list[Identity]) -> None:
    fields = Identity._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Identity._meta.db_table, len(identities)],
        )
        for identity, (pk,) in zip(identities, cursor.fetchall(), strict=True):
            identity.pk = pk
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    copy_rows(
        Identity,
        [f.attname for f in fields],
        (
            [_copy_value(getattr(identity, f.attname), f.attname in json_fields) for f in fields]
            for identity in identities
        ),
    )
    for identity in identities:
        identity._state.adding = False


def copy_rows(model, fields: list[str], rows: Iterable) -> None:
    """PostgreSQL: COPY `rows` (value lists in `fields` order, JSON already encoded) into
    `model`'s table — no conflict clause, no RETURNING, nothing announced to the ledger."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
    # wrap_database_errors: a unique violation is Django's IntegrityError, as it is from
    # bulk_create (the raw cursor's COPY raises psycopg's own).
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _copy_value(value, is_json: bool):
    if is_json and value is not None:
        return json.dumps(value)
    return value


def onboarded_events_insert(identities: list[Identity], *, actor, source: str) -> None:
    """One `onboarded` timeline event per identity, as `services._onboarded_event` words it."""
    now = timezone.now()
    rows = []
    for identity in identities:
        e = onboarded_event(identity, actor, source, now)
        rows.append(
            event_row(
                identity_id=identity.pk,
                kind=e["kind"],
                actor_id=actor.pk,
                summary=e["summary"],
                details=e["details"],
                occurred_at=now,
            )
        )
    lifecycle_event_rows_insert(rows)


def onboarded_event(identity: Identity, actor, source: str, now) -> dict:
    return {
        "identity": identity,
        "kind": EventKind.ONBOARDED,
        "actor": actor,
        "summary": f"Registered via {source} as {identity.get_status_display().lower()}",
        "details": {"source": source},
        "occurred_at": now,
    }
