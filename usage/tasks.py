"""Thin Celery tasks: the detectors, as the named system user."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from core.history import history_actor
from core.system import system_user

from . import detectors

MAX_DAYS = 120


@shared_task(name="usage.tasks.detect_sweep", acks_late=True)
def detect_sweep() -> str:
    with history_actor(system_user()):
        return str(detectors.detect_sweep(now=timezone.now()))


@shared_task(name="usage.tasks.detect_days", acks_late=True)
def detect_days(start: str, end: str) -> str:
    """After an ingestion: the detectors over the days it covered (at most MAX_DAYS)."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    first = max(first, last - dt.timedelta(days=MAX_DAYS - 1))
    with history_actor(system_user()):
        return str(detectors.detect(start=first, end=last, now=timezone.now()))
