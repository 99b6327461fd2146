"""The ledger's verdict: verified by beat or, asked for, by a worker — never in a request —
kept in the database for every process, and read by the pages that show it. A press of
"verify now" answered by a real worker, in a browser: tests/e2e/test_evidence.py."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from evidence import ledger
from evidence.checks import NOT_EVALUATED, run_check
from evidence.models import ChainVerification
from evidence.tasks import verify_chain
from evidence.verification import STALE_REQUEST, chain_status, record_verification
from tests.worker import celery_beat, celery_worker, wait_for

PAGES = ("evidence:index", "evidence:audit", "evidence:dashboard-panel", "evidence:chain")


def _refuse(*args, **kwargs):
    raise AssertionError("a request verified the ledger")


@pytest.mark.django_db
def test_pages_show_the_last_verdict_without_verifying(scenario, client, auditor, monkeypatch):
    record_verification()
    monkeypatch.setattr(ledger, "verify", _refuse)
    client.force_login(auditor)
    for name in PAGES:
        html = client.get(reverse(name)).content.decode()
        assert 'data-testid="chain-status"' in html and "intact" in html, name
        assert "hx-trigger" not in html.split('id="chain"')[1].split(">")[0], name  # no polling
    posture = client.get(reverse("evidence:posture")).content.decode()
    assert "The audit ledger verifies end to end" in posture  # its check, from the verdict


@pytest.mark.django_db
def test_before_the_first_verdict_nothing_verifies_and_nothing_passes(
    scenario, client, auditor, monkeypatch
):
    monkeypatch.setattr(ledger, "verify", _refuse)  # a new install, or an upgrade
    client.force_login(auditor)
    for name in PAGES:
        html = client.get(reverse(name)).content.decode()
        assert "not verified yet" in html and "intact" not in html, name
    assert run_check("audit_chain_intact").status == NOT_EVALUATED
    assert client.get("/api/v1/evidence/chain/").json()["ok"] is None


@pytest.mark.django_db
def test_a_kept_verdict_stands_until_the_next_verification(scenario):
    assert record_verification().ok
    with connection.cursor() as cursor:  # tampering behind Steward's back
        cursor.execute("DELETE FROM evidence_ledgerentry WHERE seq = 3")
    assert chain_status()["ok"] is True
    verify_chain()  # beat's
    assert chain_status()["ok"] is False
    assert ChainVerification.objects.count() == 2


@pytest.mark.django_db
def test_verify_now_asks_a_worker_once_and_the_page_shows_it_running(
    scenario, client, auditor, monkeypatch, django_capture_on_commit_callbacks
):
    record_verification()
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = client.post(reverse("evidence:verify"), follow=True)
        again = client.post(reverse("evidence:verify"), follow=True)  # pressed twice
    assert len(sent) == 1  # one task for both presses
    assert "a worker is verifying the ledger" in first.content.decode()
    html = again.content.decode()
    assert "still running" in html and 'data-testid="chain-verifying"' in html
    assert f'hx-get="{reverse("evidence:chain")}" hx-trigger="every 5s"' in html  # it polls
    asked = ChainVerification.objects.get(checked_at__isnull=True)

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM evidence_ledgerentry WHERE seq = 3")
    verify_chain(asked.pk)  # the worker's answer fills the request
    asked.refresh_from_db()
    assert asked.ok is False and asked.checked_at is not None
    html = client.get(reverse("evidence:chain")).content.decode()
    assert "broken" in html and "chain-verifying" not in html and "hx-trigger" not in html

    monkeypatch.setattr(ledger, "verify", _refuse)
    verify_chain(asked.pk)  # delivered twice: answered already, nothing verifies
    assert ChainVerification.objects.count() == 2


@pytest.mark.django_db
def test_a_request_no_worker_answered_stops_counting_as_running(scenario, client, auditor):
    record_verification()
    ChainVerification.objects.create(requested_at=timezone.now() - STALE_REQUEST - timedelta(1))
    assert chain_status()["requested_at"] is None  # workers down: not shown as running forever
    client.force_login(auditor)
    client.post(reverse("evidence:verify"))
    assert chain_status()["requested_at"] is not None  # asked again


@pytest.mark.django_db
def test_verify_now_is_for_readers_and_a_post(scenario, client, engineer, auditor):
    client.force_login(engineer)
    assert client.post(reverse("evidence:verify")).status_code == 403
    assert client.get(reverse("evidence:chain")).status_code == 403
    client.force_login(auditor)
    assert client.get(reverse("evidence:verify")).status_code == 405
    assert not ChainVerification.objects.exists()


@pytest.mark.django_db
def test_api_verify_now(scenario, api_client, auditor, engineer, monkeypatch):
    monkeypatch.setattr(ledger, "verify", _refuse)
    api_client.force_authenticate(engineer)
    assert api_client.post("/api/v1/evidence/chain/verify/").status_code == 403
    api_client.force_authenticate(auditor)
    refresh = api_client.get("/api/v1/evidence/chain/?refresh=1")
    assert refresh.status_code == 400 and "POST" in str(refresh.json()["refresh"])
    answer = api_client.post("/api/v1/evidence/chain/verify/")
    assert answer.status_code == 202 and answer.json()["requested_at"]
    assert api_client.post("/api/v1/evidence/chain/verify/").status_code == 202
    assert ChainVerification.objects.filter(checked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_verify_audit_records_the_verdict_pages_show(scenario):
    # an upgrade onto a large ledger: the operator's run gives the pages a verdict at once
    call_command("verify_audit")
    assert chain_status()["checked_at"] == ChainVerification.objects.get().report["checked_at"]
    assert chain_status()["ok"] is True


@pytest.mark.django_db
def test_the_task_keeps_a_month_of_verdicts(scenario):
    month_ago = timezone.now() - timedelta(days=31)
    ChainVerification.objects.create(checked_at=month_ago, ok=True, report={})
    ChainVerification.objects.create(requested_at=month_ago)  # never answered
    verify_chain()
    kept = ChainVerification.objects.get()
    assert kept.checked_at > month_ago and kept.ok and kept.report["entries"] > 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_verifies_and_the_web_reads_the_workers_verdict(scenario, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    fast = {"LEDGER_VERIFY_INTERVAL": "1", "HEARTBEAT_INTERVAL": "3600"}
    with celery_worker(queue=queue), celery_beat(queue=queue, env=fast, schedule_dir=tmp_path):
        wait_for(lambda: ChainVerification.objects.exists(), 150)
    assert chain_status()["ok"] is True


@pytest.mark.django_db
def test_verify_now_refuses_a_cross_site_post(scenario, auditor):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)  # a signed-in auditor lured to another site
    browser.force_login(auditor)
    assert browser.post(reverse("evidence:verify")).status_code == 403
    assert browser.post("/api/v1/evidence/chain/verify/").status_code == 403
    assert not ChainVerification.objects.exists()
