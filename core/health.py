"""Health probes: database, broker and the beat → worker heartbeat."""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Heartbeat

log = logging.getLogger(__name__)

# When this process started: before the first heartbeat, /healthz says "starting" for a
# grace period instead of "ok" (nothing has yet proven that beat and a worker run).
STARTED_AT = timezone.now()


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        log.warning("health: database check failed", exc_info=True)
        return False, type(exc).__name__
    return True, connection.vendor


def check_broker() -> tuple[bool, str]:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True, conn.transport_cls if isinstance(conn.transport_cls, str) else "ok"
    except Exception as exc:
        log.warning("health: broker check failed", exc_info=True)
        return False, type(exc).__name__


def heartbeat_status(now=None) -> dict:
    now = now or timezone.now()
    beat = Heartbeat.objects.filter(name="heartbeat").first()
    if beat is None:
        return {"ok": False, "last_run_at": None, "age_seconds": None, "worker": ""}
    age = (now - beat.last_run_at).total_seconds()
    stale_after = timedelta(seconds=settings.HEARTBEAT_INTERVAL * 3).total_seconds()
    return {
        "ok": age <= stale_after,
        "last_run_at": beat.last_run_at.isoformat(),
        "age_seconds": round(age, 1),
        "worker": beat.worker,
    }


def overall_status(*, db_ok: bool, broker_ok: bool, beat: dict, now, started_at) -> str:
    """ok only when the database, the broker and a fresh heartbeat all answer.

    No heartbeat yet: "starting" within HEALTH_STARTUP_GRACE seconds of start, then "fail".
    """
    if not (db_ok and broker_ok):
        return "fail"
    if beat.get("ok"):
        return "ok"
    never_ran = beat.get("last_run_at") is None
    in_grace = (now - started_at).total_seconds() <= settings.HEALTH_STARTUP_GRACE
    return "starting" if never_ran and in_grace else "fail"


def health_report(*, now=None, started_at=None) -> dict:
    now = now or timezone.now()
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    beat = heartbeat_status(now) if db_ok else {"ok": False, "last_run_at": None}
    status = overall_status(
        db_ok=db_ok, broker_ok=broker_ok, beat=beat, now=now, started_at=started_at or STARTED_AT
    )
    return {
        "status": status,
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
        "heartbeat": beat,
    }
