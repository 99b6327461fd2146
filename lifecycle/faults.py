"""One failing row must not stop a sweep. A batch is handled in one transaction; when it
fails, it is retried row by row (each in its own savepoint), so every other row is handled
and the failing one is recorded (`SweepFailure`, with the error) and the admins are alerted.
The row stays due, so the next run retries it; a run that handles it resolves the record."""

import datetime as dt
import logging
import sys
from collections.abc import Callable, Sequence

from django.db import transaction

from core.bulk import id_list
from core.notifications import Draft, notifications_tally, notify_many
from core.roles import active_admin_ids

from .choices import NotificationKind
from .models import SweepFailure

log = logging.getLogger(__name__)


def isolate(
    rows: Sequence,
    handle: Callable[[list], int],
    *,
    sweep: str,
    subject_type: str,
    now: dt.datetime,
    key: Callable = lambda row: row,
) -> tuple[int, int, int]:
    """`handle(rows)` in one transaction; if it raises, row by row. Returns (handled, failed,
    notifications queued by the transactions that committed)."""
    rows = list(rows)
    try:
        with transaction.atomic(), notifications_tally() as sent:
            handled = handle(rows)
            _resolve(sweep, subject_type, [key(r) for r in rows], now)
        return handled, 0, sent.queued
    except Exception:  # whatever broke the batch, isolate the row that did
        if len(rows) == 1:
            failure_record(sweep=sweep, subject_type=subject_type, subject_id=key(rows[0]), now=now)
            return 0, 1, 0
    handled, failed, notified, ok = 0, 0, 0, []
    for row in rows:
        try:
            with transaction.atomic(), notifications_tally() as sent:
                handled += handle([row])
        except Exception:
            failed += 1
            failure_record(sweep=sweep, subject_type=subject_type, subject_id=key(row), now=now)
        else:
            notified += sent.queued
            ok.append(key(row))
    _resolve(sweep, subject_type, ok, now)
    return handled, failed, notified


def _resolve(sweep: str, subject_type: str, ids: list, now) -> None:
    """Rows handled now close their open failure (not a governed model: a plain update)."""
    SweepFailure.objects.filter(
        sweep=sweep,
        subject_type=subject_type,
        subject_id__in=id_list(ids),
        resolved_at__isnull=True,
    ).update(resolved_at=now)


def failure_record(
    *, sweep: str, subject_type: str = "", subject_id: int = 0, now: dt.datetime
) -> SweepFailure:
    """Record the exception being handled against the row (or the sweep: id 0) and alert
    every active admin once a day while it stays open."""
    log.exception("%s sweep failed on %s #%s", sweep, subject_type or "the sweep", subject_id)
    exc = sys.exc_info()[1]
    error = f"{type(exc).__name__}: {exc}".strip()[:2000] if exc else "unknown error"
    with transaction.atomic():
        failure, created = SweepFailure.objects.select_for_update().get_or_create(
            sweep=sweep,
            subject_type=subject_type,
            subject_id=subject_id,
            resolved_at__isnull=True,
            defaults={"error": error, "first_failed_at": now, "last_failed_at": now},
        )
        if not created:
            failure.error, failure.last_failed_at = error, now
            failure.attempts += 1
            failure.save(update_fields=["error", "last_failed_at", "attempts"])
        what = f"{subject_type} #{subject_id}" if subject_id else "the whole sweep"
        notify_many(
            [
                Draft(
                    NotificationKind.SWEEP_FAILED,
                    failure,
                    uid,
                    now.date(),
                    f"The {sweep} sweep failed on {what}",
                    "You are an admin: Steward retries it on the next run; fix the cause.",
                    body=f"{error}\n\nAttempts so far: {failure.attempts}.",
                    link=f"/admin/lifecycle/sweepfailure/{failure.pk}/change/",
                )
                for uid in active_admin_ids()
            ]
        )
    return failure
