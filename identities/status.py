"""An identity's status changes here and only here: the allowed transitions
(`choices.STATUS_TRANSITIONS`), a reason, a history row and a timeline event each — for one
identity (a person's action) or many at once (sweeps, overdue reviews), by the same rules."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.bulk import update_returning
from core.history import stamp
from core.observability import log_write

from .choices import STATUS_TRANSITIONS, EventKind, IdentityStatus
from .models import Identity
from .timeline import event_row, lifecycle_event_record, lifecycle_event_rows_insert

STATUS_EVENT = {
    IdentityStatus.SUSPENDED: EventKind.SUSPENDED,
    IdentityStatus.DECOMMISSIONED: EventKind.DECOMMISSIONED,
}


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the status change."})


def allowed_from(status: str) -> list[str]:
    """The statuses an identity may go to `status` from."""
    return sorted(s for s, to in STATUS_TRANSITIONS.items() if status in to)


def status_event(*, identity_id: int, previous: str, status: str, reason: str) -> dict:
    """The timeline event of one status change (the same for one identity or many)."""
    return {
        "identity_id": identity_id,
        "kind": STATUS_EVENT.get(status, EventKind.STATUS_CHANGED),
        "summary": f"{IdentityStatus(previous).label} → {IdentityStatus(status).label}: {reason}",
        "details": {"from": previous, "to": status, "reason": reason},
    }


def identity_set_status(
    *, actor, identity: Identity, status: str, reason: str, related=None
) -> Identity:
    """One identity, under its row lock; a transition the rules forbid is refused."""
    _require_reason(reason)
    with transaction.atomic():
        locked = Identity.objects.select_for_update().get(pk=identity.pk)
        if locked.status not in allowed_from(status):
            raise ValidationError(
                f"An identity cannot go from {locked.get_status_display()} to "
                f"{IdentityStatus(status).label}."
            )
        previous = locked.status
        locked.status = status
        stamp(locked, actor=actor, reason=reason)
        locked.save(update_fields=["status", "updated_at"])
        event = status_event(identity_id=locked.pk, previous=previous, status=status, reason=reason)
        del event["identity_id"]
        lifecycle_event_record(identity=locked, actor=actor, related=related, **event)
    log_write("identity.set_status", actor=actor, obj=locked, status=status, previous=previous)
    return locked


def identities_set_status(
    *,
    actor,
    identity_ids: Iterable[int],
    status: str,
    reason: str,
    related=None,
    now=None,
    skip_locked: bool = False,
) -> list[Identity]:
    """Many identities in one `UPDATE … RETURNING`, one history insert and one event insert.
    Identities whose status may not go to `status` are left alone (a rerun changes nothing),
    and with `skip_locked` so are rows another transaction holds (a concurrent sweep does
    them). Returns the changed identities, each with its `previous` status."""
    _require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        changed = update_returning(
            Identity.objects.filter(pk__in=list(identity_ids), status__in=allowed_from(status)),
            previous="status", skip_locked=skip_locked, status=status, updated_at=now,
        )  # fmt: skip
        Identity.history.bulk_history_create(
            changed, update=True, default_user=actor, default_change_reason=reason[:100]
        )  # fmt: skip
        lifecycle_event_rows_insert([
            event_row(
                occurred_at=now, related=related, actor_id=getattr(actor, "pk", None),
                **status_event(identity_id=i.pk, previous=i.previous, status=status,
                               reason=reason),
            )
            for i in changed
        ])  # fmt: skip
    if changed:
        log_write("identity.set_status", actor=actor, obj=None, status=status, count=len(changed))
    return changed
