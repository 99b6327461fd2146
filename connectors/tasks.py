"""Thin Celery tasks: plan revocations and run them (retries with exponential backoff),
sync connectors — each as the named system user."""

import logging

from celery import shared_task
from django.utils import timezone

from core.history import history_actor
from core.system import system_user

from . import services
from .choices import JobStatus
from .models import PlatformConnector
from .planning import plan_revocations
from .selectors import due_syncs
from .sync import connector_sync

log = logging.getLogger(__name__)


@shared_task(name="connectors.tasks.revocations_sweep", acks_late=True)
def revocations_sweep() -> str:
    """Plan missing jobs, then send every due job (new, retry due, or stale claim) to a
    worker. Beat runs it every minute: the catch-up for lost retries and downtime."""
    now = timezone.now()
    with history_actor(system_user()):
        created = plan_revocations(now=now)
    due = services.due_job_ids(now=now)
    for job_id in due:
        run_revocation.delay(job_id)
    return f"planned {created}, dispatched {len(due)}"


@shared_task(name="connectors.tasks.run_revocation", bind=True, acks_late=True, max_retries=None)
def run_revocation(self, job_id: int) -> str:
    with history_actor(system_user()):
        job = services.revocation_run(job_id=job_id)
    if job is None:
        return "not due"
    if job.status == JobStatus.PENDING:  # failed: retry when its backoff has passed
        countdown = max((job.next_attempt_at - timezone.now()).total_seconds(), 0)
        raise self.retry(countdown=countdown)
    return job.status


@shared_task(name="connectors.tasks.sync_due", acks_late=True)
def sync_due() -> str:
    now = timezone.now()
    runs = [connector_sync(connector=c, now=now) for c in due_syncs(now=now)]
    return f"synced {len(runs)}, failed {sum(1 for r in runs if not r.ok)}"


@shared_task(name="connectors.tasks.sync_connector", acks_late=True)
def sync_connector(connector_id: int, triggered_by_id: int | None = None) -> str:
    """The admin's "Sync now" button."""
    from django.contrib.auth import get_user_model

    connector = PlatformConnector.objects.select_related("platform").get(pk=connector_id)
    user = get_user_model().objects.filter(pk=triggered_by_id).first() if triggered_by_id else None
    run = connector_sync(connector=connector, triggered_by=user)
    return "ok" if run.ok else run.error
