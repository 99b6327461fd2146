"""The identity timeline: append-only lifecycle events, one at a time or many at once."""

import datetime as dt

from django.utils import timezone

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


def lifecycle_events_record(events: list[LifecycleEvent]) -> list[LifecycleEvent]:
    """Append many events in one insert (the ledger chains them in the same transaction)."""
    for event in events:
        event.summary = event.summary[:300]
    return LifecycleEvent.objects.bulk_create(events, batch_size=1000)
