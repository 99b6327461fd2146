"""/metrics: Prometheus text, protected, with gauges computed from the data at scrape time."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core.models import Heartbeat, Notification
from core.tasks import heartbeat
from tests.factories import CredentialFactory, IdentityFactory, TeamFactory

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789abcdef"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def _scrape() -> dict:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                samples[key] = sample.value
        return samples

    return _scrape


def gauge(samples, name):
    return samples[(f"steward_{name}", ())]


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}],
)
def test_anonymous_or_wrong_credential_scrape_is_refused(client, settings, headers):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"steward_" not in response.content


def test_no_token_configured_refuses_everyone(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_allow_listed_address_may_scrape(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 401


def test_signed_in_admin_is_not_a_scraper(client, settings, admin_user):
    settings.METRICS_TOKEN = TOKEN
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 401


def test_request_latency_and_count_per_view(client, scrape, engineer):
    client.force_login(engineer)
    key = ("steward_http_request_duration_seconds_count",
           (("method", "GET"), ("status", "200"), ("view", "dashboard")))  # fmt: skip
    before = scrape().get(key, 0)
    client.get("/")
    client.get("/")
    assert scrape()[key] == before + 2
    queries = scrape()[("steward_http_request_db_queries_count", (("view", "dashboard"),))]
    assert queries >= 2


def test_celery_task_runs_failures_and_durations(scrape):
    name = "core.tasks.heartbeat"
    ok = ("steward_celery_task_runs_total", (("outcome", "success"), ("task", name)))
    failed = ("steward_celery_task_failures_total", (("task", name),))
    duration = ("steward_celery_task_duration_seconds_count", (("task", name),))
    before = scrape()
    heartbeat.apply()
    heartbeat.apply(args=("unexpected-argument",))  # TypeError inside the task: a failure
    after = scrape()
    assert after[ok] == before.get(ok, 0) + 1
    assert after[failed] == before.get(failed, 0) + 1
    assert after[duration] == before.get(duration, 0) + 2


def test_ownership_gap_gauge_follows_the_data(scrape):
    from tests.governance.factories import AssignmentFactory, default_domains

    domains = default_domains()
    before = gauge(scrape(), "ownership_gap_identities")
    identity = IdentityFactory(status="active")
    assert gauge(scrape(), "ownership_gap_identities") == before + 1
    for domain in domains.values():
        AssignmentFactory(domain=domain, scope_kind="team", team=identity.team, role="A")
    assert gauge(scrape(), "ownership_gap_identities") == before


def test_overdue_rotation_gauge_follows_the_data(scrape):
    from lifecycle.models import RotationPolicy

    RotationPolicy.objects.get_or_create(
        credential_kind="api_key", risk_tier="high", defaults={"max_age_days": 90}
    )
    identity = IdentityFactory(status="active", risk_tier="high")
    before = gauge(scrape(), "rotations_overdue")
    CredentialFactory(
        identity=identity, kind="api_key", issued_at=timezone.now() - timedelta(days=200)
    )
    CredentialFactory(identity=identity, kind="api_key")  # fresh: not due
    assert gauge(scrape(), "rotations_overdue") == before + 1


def test_approval_gauges_follow_the_data(scrape, engineer, identity):
    from approvals.models import Request
    from tests.approvals.factories import submit_emergency, submit_exception

    samples = scrape()
    stale_before = gauge(samples, "requests_pending_past_half_expiry")
    glass_before = gauge(samples, "break_glass_grants_active")
    request = submit_exception(actor=engineer, identity=identity)
    assert gauge(scrape(), "requests_pending_past_half_expiry") == stale_before
    waited = (request.expires_at - request.created_at) * 0.6
    Request.objects.filter(pk=request.pk).update(
        created_at=request.created_at - waited, expires_at=request.expires_at - waited
    )
    assert gauge(scrape(), "requests_pending_past_half_expiry") == stale_before + 1
    submit_emergency(actor=engineer, identity=identity)
    assert gauge(scrape(), "break_glass_grants_active") == glass_before + 1


def test_core_gauges_follow_the_data(scrape, engineer):
    assert gauge(scrape(), "notifications_failed") == 0
    Notification.objects.create(
        kind="test", subject_type="identity", subject_id=1, recipient=engineer,
        due_on=timezone.now().date(), title="t", reason="r",
        email_status=Notification.EmailStatus.FAILED,
    )  # fmt: skip
    assert gauge(scrape(), "notifications_failed") == 1
    assert ("steward_heartbeat_age_seconds", ()) not in scrape()  # never ran: absent
    Heartbeat.objects.create(name="heartbeat", last_run_at=timezone.now() - timedelta(minutes=5))
    assert 299 <= gauge(scrape(), "heartbeat_age_seconds") <= 330


@pytest.fixture
def identity(governed, engineer):
    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    return IdentityFactory(name="ledger-sync", team=team, status="active")
