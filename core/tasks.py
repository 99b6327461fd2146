import socket

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat schedules it, a worker runs it: its last run proves both are alive."""
    Heartbeat.objects.update_or_create(
        name="heartbeat",
        defaults={"last_run_at": timezone.now(), "worker": socket.gethostname()},
    )


@shared_task(name="core.tasks.deliver_notifications", ignore_result=True)
def deliver_notifications() -> None:
    """Enqueued after commit by `notify`, and on beat as a catch-up."""
    from .notifications import deliver_emails, deliver_webhooks

    while deliver_emails():
        pass
    while deliver_webhooks():  # small batches (each POST may wait on a slow receiver)
        pass
