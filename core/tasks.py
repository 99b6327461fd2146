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
