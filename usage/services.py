"""Writes for usage: ingestion (see ingest.py), the detector sweep (detectors.py) and triage.

Triage is for the consumption owner: the effective A of consumption oversight for the
signal's identity (re-resolved from the RACI matrix at action time), the global consumption A
for unattributed spend, or an admin. Triage changes the signal only — never a grant, a
permission, a credential or the identity's status."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict
from core.history import stamp
from core.roles import is_admin, is_read_only
from governance.choices import DomainKey
from governance.selectors import accountable_for
from identities.secrets import ensure_no_secret_values

from .choices import SIGNAL_TRANSITIONS, SignalStatus
from .ingest import UsagePlan, ingest
from .models import Signal, SignalNote
from .selectors import is_global_consumption_owner

__all__ = [
    "can_triage",
    "signal_add_note",
    "signal_transition",
    "usage_ingest",
]


def can_triage(user, signal: Signal) -> bool:
    if not user.is_authenticated or not user.is_active or is_read_only(user):
        return False
    if is_admin(user):
        return True
    if signal.identity_id is None:
        return is_global_consumption_owner(user)
    owner = accountable_for(identity=signal.identity, domain_key=DomainKey.CONSUMPTION)
    return owner is not None and owner.pk == user.pk


def _ensure_can_triage(user, signal: Signal) -> None:
    if not can_triage(user, signal):
        raise PermissionDenied(
            "Only the consumption owner (A) of this identity or an admin triages its signals."
        )


def signal_transition(*, actor, signal_id: int, status: str, reason: str = "", now=None) -> Signal:
    """open → investigating → resolved, or dismissed with a reason; reopen a closed one."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    ensure_no_secret_values({"reason": reason})
    if status not in SignalStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    if status == SignalStatus.DISMISSED and not reason:
        raise ValidationError({"reason": "Say why the signal is dismissed."})
    with transaction.atomic():
        signal = (
            Signal.objects.select_for_update(of=("self",))
            .select_related("identity")
            .get(pk=signal_id)
        )
        _ensure_can_triage(actor, signal)
        if status == signal.status:
            raise Conflict(f"The signal is already {signal.get_status_display().lower()}.")
        if status not in SIGNAL_TRANSITIONS[signal.status]:
            raise ValidationError(
                f"A signal cannot go from {signal.get_status_display()} to "
                f"{SignalStatus(status).label}."
            )
        previous = signal.status
        signal.status = status
        if status in (SignalStatus.RESOLVED, SignalStatus.DISMISSED):
            signal.resolved_by, signal.resolved_at = actor, now
            if status == SignalStatus.DISMISSED:
                signal.dismiss_reason = reason
            else:
                signal.resolution = reason
        elif status == SignalStatus.OPEN:
            signal.resolved_by, signal.resolved_at = None, None
        stamp(
            signal, actor=actor, reason=f"{previous} → {status}" + (f": {reason}" if reason else "")
        )
        signal.save()
        if reason and status not in (SignalStatus.RESOLVED, SignalStatus.DISMISSED):
            SignalNote.objects.create(signal=signal, author=actor, body=reason)
    return signal


def signal_add_note(*, actor, signal_id: int, body: str) -> SignalNote:
    body = (body or "").strip()
    ensure_no_secret_values({"body": body})
    if not body:
        raise ValidationError({"body": "Write a note."})
    with transaction.atomic():
        signal = Signal.objects.select_related("identity").get(pk=signal_id)
        _ensure_can_triage(actor, signal)
        return SignalNote.objects.create(signal=signal, author=actor, body=body[:5000])


def usage_ingest(*, actor, rows, dry_run: bool = False, detect: bool = True) -> UsagePlan:
    """Ingest records; after commit, run the detectors over the days they cover."""
    plan = ingest(actor=actor, rows=rows, dry_run=dry_run)
    if plan.applied and detect and plan.days:
        first, last = plan.days
        transaction.on_commit(lambda: _enqueue_detect(first, last))
    return plan


def _enqueue_detect(first: dt.date, last: dt.date) -> None:
    from .tasks import detect_days

    try:
        detect_days.delay(first.isoformat(), last.isoformat())
    except Exception:  # the daily sweep catches up
        import logging

        logging.getLogger(__name__).warning("could not enqueue usage detection", exc_info=True)
