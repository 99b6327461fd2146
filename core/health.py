"""Health probes: database, broker and the beat → worker heartbeat."""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Heartbeat

log = logging.getLogger(__name__)


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


def health_report() -> dict:
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    beat = heartbeat_status() if db_ok else {"ok": False}
    return {
        "status": "ok" if db_ok and broker_ok else "fail",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
        "heartbeat": beat,
    }
