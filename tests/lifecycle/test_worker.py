"""Sweeps through the real broker and a real worker process (Redis in CI)."""

import os
import re
import signal
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.utils import timezone

from core.models import Notification
from evidence import ledger
from evidence.models import LedgerEntry
from identities.models import Credential, Identity, LifecycleEvent
from lifecycle.tasks import decommission_sweep, expiry_sweep, rotation_sweep
from tests.factories import CredentialFactory, IdentityFactory
from tests.worker import LOGS, celery_beat, celery_worker, wait_for
from tests.worker import test_database_url as database_url  # not collected as a test

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


@contextmanager
def holding_reminder(credential, recipient):
    """Another transaction inserts (and holds, uncommitted) the reminder the sweep will write
    for `credential`: the sweep's INSERT … ON CONFLICT waits on it — a deterministic pause."""
    due_on = (credential.issued_at + timedelta(days=180)).date()
    with psycopg.connect(database_url()) as conn:
        conn.execute(
            "INSERT INTO core_notification (kind, subject_type, subject_id, recipient_id, due_on,"
            " title, body, reason, link, created_at, email_status, email_attempts, last_error,"
            " claim_token) VALUES ('rotation_due_7d', 'identities.credential', %s, %s, %s,"
            " 'held', '', 'held', '', now(), 'pending', 0, '', '')",
            [credential.pk, recipient.pk, due_on],
        )
        try:
            yield
        finally:
            conn.rollback()


@pytest.mark.postgres
def test_worker_killed_mid_sweep_loses_nothing_and_sends_nothing_twice(lifecycle_world, engineer):
    n = 120
    creds = due_credentials(lifecycle_world["identity"], n)
    slow = {"LIFECYCLE_SWEEP_BATCH_SIZE": "1"}  # one commit per credential, in pk order
    with holding_reminder(creds[n // 2], engineer), celery_worker(env=slow) as (proc, queue):
        rotation_sweep.apply_async(queue=queue)
        # The first half is committed, then the sweep waits on the held row: kill it there.
        wait_for(lambda: Notification.objects.count() == n // 2, 60, interval=0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert Notification.objects.count() == n // 2
    assert not Notification.objects.filter(subject_id=creds[n // 2].pk).exists()
    with celery_worker(env=slow) as (_proc, queue):
        rotation_sweep.apply_async(queue=queue)  # beat's next run
        wait_for(lambda: Notification.objects.count() == n, 90)
        wait_for(lambda: not Notification.objects.exclude(email_status="sent").exists(), 60)
    assert Notification.objects.count() == n
    # each reminder e-mailed exactly once: one attempt per row, none re-sent after the kill
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {1}


def _succeeded(queue: str) -> list[str]:
    """The results of the sweeps a worker finished (Celery logs each task's return value)."""
    log = (LOGS / f"worker-{queue}.log").read_text()
    return re.findall(r"lifecycle\.tasks\.\w+\[[^]]+\] succeeded in [^:]+: '([^']*)'", log)


def _count(results: list[str], key: str) -> int:
    return sum(int(m) for r in results for m in re.findall(rf"\b{key}=(\d+)", r))


@pytest.mark.postgres
def test_two_workers_running_the_same_sweeps_change_and_remind_each_row_once(
    lifecycle_world, owner, engineer
):
    n = 30
    today = timezone.localdate()
    ended = IdentityFactory.create_batch(
        n, team=lifecycle_world["team"], risk_tier="medium", ends_on=today - timedelta(days=30)
    )
    expired = [
        CredentialFactory(identity=i, kind="api_key", issued_at=timezone.now() - timedelta(days=20),
                          expires_at=timezone.now() - timedelta(days=1))
        for i in ended
    ]  # fmt: skip
    small = {"LIFECYCLE_SWEEP_BATCH_SIZE": "3"}  # many short transactions that interleave
    with celery_worker(env=small) as (_a, qa), celery_worker(env=small) as (_b, qb):
        for task in (expiry_sweep, decommission_sweep):
            task.apply_async(queue=qa)
            task.apply_async(queue=qb)
        wait_for(lambda: len(_succeeded(qa)) == 2 and len(_succeeded(qb)) == 2, 120)
    results = _succeeded(qa) + _succeeded(qb)
    assert _count(results, "credentials") == n and _count(results, "suspended") == n
    ledger.chain()  # the chainer (a beat task in production) chains what the writers queued
    for rows, model, status, kind in (
        (ended, Identity, "suspended", "suspended"),
        (expired, Credential, "expired", "credential_expired"),
    ):
        ids = [r.pk for r in rows]
        assert set(model.objects.filter(pk__in=ids).values_list("status", flat=True)) == {status}
        history = model.history.filter(id__in=ids, status=status)
        assert sorted(history.values_list("id", flat=True)) == sorted(ids)  # one each
        label = model.history.model._meta.label_lower
        chained = LedgerEntry.objects.filter(source=label, record_pk__in=history.values("pk"))
        assert chained.count() == n
        events = LifecycleEvent.objects.filter(kind=kind, identity__in=ended)
        assert events.count() == n and events.values("identity").distinct().count() == n
    told = Counter(Notification.objects.values_list("kind", flat=True))
    # the A hears of each end date and suspension; the R and the A of each expiry, once
    assert (told["decommission_due"], told["identity_suspended"], told["credential_expired"]) == (
        n, n, 2 * n
    )
