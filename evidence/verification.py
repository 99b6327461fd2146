"""The ledger's verification as pages show it: the last verdict kept in the database, and
verifications asked for by a person, run by a worker.

A verification reads the whole ledger (a minute at a million entries), so no request runs
one: beat verifies every LEDGER_VERIFY_INTERVAL; "verify now" (the audit page's button, the
API's POST) records a request that a worker answers, and pages show it running until then;
`manage.py verify_audit` verifies in its own process. Every process reads the same verdict."""

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import ChainVerification

KEEP = dt.timedelta(days=30)
# A request no worker has answered in this long (workers down) no longer counts as running:
# the next "verify now" asks again.
STALE_REQUEST = dt.timedelta(minutes=15)

NOT_VERIFIED = {  # `Report.as_dict()`'s keys, before the first verification
    "ok": None,
    "entries": None,
    "head": None,
    "checked_at": None,
    "first_break": None,
    "problems": 0,
    "named": [],
    "live_rows_checked": False,
    "unverified_fields": {},
}


def chain_status() -> dict:
    """The last verdict (`Report.as_dict()`; `NOT_VERIFIED` before the first), with
    `requested_at` (ISO) while a verification asked for is waiting or running."""
    fresh = timezone.now() - STALE_REQUEST
    rows = (
        ChainVerification.objects.filter(Q(checked_at__isnull=False) | Q(requested_at__gte=fresh))
        # requests still running first, then the newest verdict
        .order_by(F("checked_at").desc(nulls_first=True), "-requested_at")
        .values("checked_at", "requested_at", "report")[:3]
    )
    verdict, requested = None, None
    for row in rows:
        if row["checked_at"] is None:
            requested = requested or row["requested_at"]
        elif verdict is None:
            verdict = row["report"]
    status = dict(verdict or NOT_VERIFIED)
    status["requested_at"] = requested.isoformat() if requested else None
    return status


def request_verification() -> bool:
    """Ask a worker to verify the ledger now; False when a verification asked for earlier is
    still waiting or running (one at a time, however often the button is pressed)."""
    from .tasks import verify_chain

    now = timezone.now()
    with transaction.atomic():
        if _unanswered().filter(requested_at__gte=now - STALE_REQUEST).exists():
            return False
        pk = ChainVerification.objects.create(requested_at=now).pk
        transaction.on_commit(lambda: verify_chain.delay(pk))
    return True


def record_verification(*, limit: int = 100, request_pk: int | None = None):
    """Verify the ledger (`ledger.verify`, naming `limit` problems at most) and keep the
    verdict — on the request `request_pk` when it answers one — with a month of earlier ones;
    the `Report`."""
    from .ledger import verify

    report = verify(limit=limit)
    verdict = {"checked_at": report.checked_at, "ok": report.ok, "report": report.as_dict()}
    filled = request_pk is not None and _unanswered().filter(pk=request_pk).update(**verdict)
    if not filled:
        ChainVerification.objects.create(**verdict)
    old = report.checked_at - KEEP
    ChainVerification.objects.filter(
        Q(checked_at__lt=old) | Q(checked_at__isnull=True, requested_at__lt=old)
    ).delete()
    return report


def answered(request_pk: int) -> bool:
    """Whether the verification request `request_pk` has its verdict (or is gone): a task
    delivered twice verifies once."""
    return not _unanswered().filter(pk=request_pk).exists()


def _unanswered():
    """Verifications asked for that no worker has answered yet."""
    return ChainVerification.objects.filter(checked_at__isnull=True)
