from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Heartbeat
from core.tasks import heartbeat

METRICS_TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def client(client, settings):
    """The probes' details need the metrics credential (anonymous callers see only ok/fail)."""
    settings.METRICS_TOKEN = METRICS_TOKEN
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {METRICS_TOKEN}"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("credential", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz"])
def test_healthz_shows_nothing_of_the_deployment_to_anonymous_callers(client, settings, credential):
    heartbeat()
    client.defaults.pop("HTTP_AUTHORIZATION")
    headers = {"HTTP_AUTHORIZATION": credential} if credential else {}
    response = client.get("/healthz", **headers)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    for leak in (b"postgres", b"sqlite", b"redis", b"filesystem", b"worker", b"celery@"):
        assert leak not in response.content.lower()


@pytest.mark.django_db
def test_healthz_details_for_an_allow_listed_address(client, settings):
    client.defaults.pop("HTTP_AUTHORIZATION")
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert "database" in client.get("/healthz", REMOTE_ADDR="10.1.2.3").json()
    assert "database" not in client.get("/healthz", REMOTE_ADDR="192.168.1.1").json()


@pytest.mark.django_db
def test_healthz_anonymous_still_reports_failure(client, monkeypatch):
    client.defaults.pop("HTTP_AUTHORIZATION")
    monkeypatch.setattr("core.health.check_database", lambda: (False, "OperationalError"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail"}


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_missing_heartbeat(client, monkeypatch):
    monkeypatch.setattr("core.health.STARTED_AT", timezone.now())
    response = client.get("/healthz")
    body = response.json()
    # Before the first heartbeat nothing proves beat and a worker run: not "ok" yet.
    assert response.status_code == 503
    assert body["status"] == "starting"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["heartbeat"] == {
        "ok": False,
        "last_run_at": None,
        "age_seconds": None,
        "worker": "",
    }


@pytest.mark.django_db
def test_healthz_without_any_heartbeat_after_the_grace_fails(client, monkeypatch, settings):
    settings.HEALTH_STARTUP_GRACE = 60
    monkeypatch.setattr("core.health.STARTED_AT", timezone.now() - timedelta(seconds=61))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"


@pytest.mark.django_db
def test_heartbeat_task_records_last_run(client):
    heartbeat()
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["heartbeat"]["ok"] is True
    assert body["heartbeat"]["age_seconds"] < 5


@pytest.mark.django_db
def test_stale_heartbeat_is_not_ok(client, settings):
    Heartbeat.objects.create(name="heartbeat", last_run_at=timezone.now() - timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["heartbeat"]["ok"] is False


@pytest.mark.django_db
def test_healthz_fails_when_broker_is_unreachable(client, monkeypatch):
    from kombu import Connection

    class DeadBroker:
        def connection_for_write(self):
            return Connection("redis://127.0.0.1:1/0")

    monkeypatch.setattr("core.health.current_app", DeadBroker())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


@pytest.mark.django_db
def test_dashboard_status_panel_shows_heartbeat(client, engineer):
    heartbeat()
    client.force_login(engineer)
    response = client.get("/panels/status/")
    assert b"Worker and beat alive" in response.content
