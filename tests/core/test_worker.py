"""Delivery through the real broker: beat's heartbeat task runs in a real worker process."""

import pytest

from core.models import Heartbeat
from core.tasks import heartbeat
from tests.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_heartbeat_sent_through_broker_is_run_by_a_worker():
    with celery_worker() as (_proc, queue):
        heartbeat.apply_async(queue=queue)
        beat = wait_for(lambda: Heartbeat.objects.filter(name="heartbeat").first(), timeout=60)
    assert beat.worker  # the worker's host name, written in the worker process
