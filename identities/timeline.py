"""The identity timeline: append-only lifecycle events, one at a time or many at once."""

import datetime as dt

from django.utils import timezone

from core.bulk import insert_rows

from .models import Credential, Identity, LifecycleEvent


def related_fields(related) -> dict:
    """`related` is any model instance of a higher app (request, grant, review): stored by
    label and pk, so no import is needed."""
    if related is None:
        return {"related_type": "", "related_id": None}
    return {"related_type": related._meta.label_lower, "related_id": related.pk}


def lifecycle_event_record(
    *,
    identity: Identity,
    kind: str,
    actor,
    summary: str,
    credential: Credential | None = None,
    related=None,
    details: dict | None = None,
    occurred_at: dt.datetime | None = None,
) -> LifecycleEvent:
    """Append one event to an identity's timeline."""
    return LifecycleEvent.objects.create(
        identity=identity,
        kind=kind,
        actor=actor,
        summary=summary[:300],
        credential=credential,
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
        **related_fields(related),
    )


EVENT_FIELDS = (
    "identity_id", "kind", "occurred_at", "actor_id", "summary", "credential_id",
    "related_type", "related_id", "details",
)  # fmt: skip


def event_row(
    *,
    identity_id: int,
    kind: str,
    actor_id,
    summary: str,
    details: dict,
    occurred_at,
    credential_id: int | None = None,
    related=None,
) -> tuple:
    """One event as `EVENT_FIELDS` values, for `lifecycle_event_rows_insert`: many events
    without a model instance each (building those was ~8 µs an event)."""
    about = related_fields(related)
    return (identity_id, kind, occurred_at, actor_id, summary[:300], credential_id,
            about["related_type"], about["related_id"], details)  # fmt: skip


def lifecycle_event_rows_insert(rows: list[tuple]) -> list[int]:
    """Append many events given as `event_row`s in one insert (the ledger chains them in the
    same transaction); returns their ids."""
    return insert_rows(LifecycleEvent, EVENT_FIELDS, rows)


def lifecycle_events_record(events: list[LifecycleEvent]) -> list[LifecycleEvent]:
    """Append many built events in one insert (`core.bulk.insert_rows`: the ledger chains
    them in the same transaction); returns them with their ids."""
    for event in events:
        event.summary = event.summary[:300]
    rows = [tuple(getattr(e, f) for f in EVENT_FIELDS) for e in events]
    for event, pk in zip(events, lifecycle_event_rows_insert(rows), strict=True):
        event.pk = pk
        event._state.adding = False
    return events
