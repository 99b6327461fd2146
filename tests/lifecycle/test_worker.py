"""Sweeps through the real broker and a real worker process (Redis in CI)."""

import os
import signal
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Notification
from lifecycle.tasks import rotation_sweep
from tests.factories import CredentialFactory
from tests.worker import celery_beat, celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def due_credentials(identity, n):
    issued = timezone.now() - timedelta(days=175)  # medium api_key: due in ~5 days
    return [
        CredentialFactory(identity=identity, kind="api_key", issued_at=issued) for _ in range(n)
    ]


def test_beat_scheduled_sweep_runs_through_the_broker(lifecycle_world, tmp_path):
    creds = due_credentials(lifecycle_world["identity"], 3)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    fast = {"SWEEP_ROTATION_INTERVAL": "1", "HEARTBEAT_INTERVAL": "3600"}
    with celery_worker(queue=queue), celery_beat(queue=queue, env=fast, schedule_dir=tmp_path):
        wait_for(lambda: Notification.objects.filter(kind="rotation_due_7d").count() == 3, 150)
    assert set(Notification.objects.values_list("subject_id", flat=True)) == {c.pk for c in creds}


def test_worker_killed_mid_sweep_loses_nothing_and_sends_nothing_twice(lifecycle_world):
    n = 120
    due_credentials(lifecycle_world["identity"], n)
    slow = {"LIFECYCLE_SWEEP_BATCH_SIZE": "1"}  # one commit per credential: killable midway
    with celery_worker(env=slow) as (proc, queue):
        rotation_sweep.apply_async(queue=queue)
        wait_for(lambda: Notification.objects.exists(), 60, interval=0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    partial = Notification.objects.count()
    assert 0 < partial < n, "the kill landed mid-sweep"
    with celery_worker(env=slow) as (_proc, queue):
        rotation_sweep.apply_async(queue=queue)  # beat's next run
        wait_for(lambda: Notification.objects.count() == n, 90)
        wait_for(lambda: not Notification.objects.exclude(email_status="sent").exists(), 60)
    assert Notification.objects.count() == n
    # each reminder e-mailed exactly once: one attempt per row, none re-sent after the kill
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {1}
