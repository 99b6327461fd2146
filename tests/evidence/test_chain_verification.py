"""The ledger's verdict: verified by beat (a real worker), kept in the database for every
process, and read — never recomputed — by the pages that show it."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from evidence import ledger
from evidence.checks import chain_status, record_verification
from evidence.models import ChainVerification
from evidence.tasks import verify_chain
from tests.worker import celery_beat, celery_worker, wait_for


def _refuse(*args, **kwargs):
    raise AssertionError("a page verified the ledger in the request")


@pytest.mark.django_db
def test_pages_show_the_last_verdict_without_verifying(scenario, client, auditor, monkeypatch):
    record_verification()
    monkeypatch.setattr(ledger, "verify", _refuse)
    client.force_login(auditor)
    for name in ("evidence:index", "evidence:audit", "evidence:dashboard-panel"):
        html = client.get(reverse(name)).content.decode()
        assert 'data-testid="chain-status"' in html and "intact" in html, name
    posture = client.get(reverse("evidence:posture")).content.decode()
    assert "The audit ledger verifies end to end" in posture  # its check, from the verdict


@pytest.mark.django_db
def test_a_refresh_verifies_now_and_pages_show_its_verdict(scenario):
    assert record_verification().ok
    with connection.cursor() as cursor:  # tampering behind Steward's back
        cursor.execute("DELETE FROM evidence_ledgerentry WHERE seq = 3")
    assert chain_status()["ok"] is True  # the kept verdict, until the next verification
    assert chain_status(refresh=True)["ok"] is False
    assert chain_status()["ok"] is False
    assert ChainVerification.objects.count() == 2


@pytest.mark.django_db
def test_verify_audit_records_the_verdict_pages_show(scenario):
    # an upgrade onto a large ledger: the operator's run spares the first page a verification
    call_command("verify_audit")
    assert chain_status() == ChainVerification.objects.get().report
    assert chain_status()["ok"] is True


@pytest.mark.django_db
def test_the_task_keeps_a_month_of_verdicts(scenario):
    old = ChainVerification.objects.create(
        checked_at=timezone.now() - timedelta(days=31), ok=True, report={}
    )
    verify_chain()
    kept = ChainVerification.objects.get()
    assert kept.pk != old.pk and kept.ok and kept.report["entries"] > 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_verifies_and_the_web_reads_the_workers_verdict(scenario, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    fast = {"LEDGER_VERIFY_INTERVAL": "1", "HEARTBEAT_INTERVAL": "3600"}
    with celery_worker(queue=queue), celery_beat(queue=queue, env=fast, schedule_dir=tmp_path):
        wait_for(lambda: ChainVerification.objects.exists(), 150)
    assert chain_status()["ok"] is True
