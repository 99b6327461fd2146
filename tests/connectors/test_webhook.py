"""The contract for platforms without a built-in connector: a signed
`credential.revocation_requested` webhook (core's delivery, received by a real HTTP server
here) and the platform's acknowledgement at POST /api/v1/revocations/{id}/ack."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from connectors import services
from connectors.choices import ConnectorKind, JobStatus
from connectors.models import PlatformConnector, RevocationJob
from connectors.planning import plan_revocations
from connectors.webhook import EVENT
from core.models import Notification, Webhook
from core.notifications import deliver_webhooks
from core.services import api_token_create
from core.webhooks import webhook_key, webhook_verify
from evidence.exports import access_rows
from identities.credentials import credential_revoke
from identities.models import LifecycleEvent
from tests.approvals_helpers import approved_exception
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, UserFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A platform's webhook receiver on 127.0.0.1: records what Steward POSTs."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(
                    (body, self.headers["X-Steward-Timestamp"], self.headers["X-Steward-Signature"])
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver listens on 127.0.0.1
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def vault_account(db):
    return UserFactory(username="vault-platform")


@pytest.fixture
def vault(governed, admin_user, vault_account, receiver):
    platform = PlatformFactory(slug="vault", name="Vault", kind="other")
    Webhook.objects.create(name="vault", url=receiver.url, kinds=[EVENT], created_by=admin_user)
    return PlatformConnector.objects.create(
        platform=platform,
        kind=ConnectorKind.WEBHOOK,
        configured_by=admin_user,
        ack_user=vault_account,
    )


@pytest.fixture
def requested(vault, admin_user):
    """A revoked credential on Vault, requested from the platform."""
    identity = IdentityFactory(platform=vault.platform, external_id="vault/approle/billing")
    now = timezone.now()
    grant = approved_exception(identity, now)
    credential = CredentialFactory(identity=identity, label="approle secret-id")
    from approvals.grants import grant_link_credential

    grant_link_credential(actor=admin_user, grant=grant, credential=credential)
    credential_revoke(actor=admin_user, credential=credential, reason="rotated out")
    assert plan_revocations() == 1
    job = services.revocation_run(job_id=RevocationJob.objects.get().pk)
    assert job.status == JobStatus.AWAITING_ACK
    return job


def bearer(user) -> str:
    _token, raw = api_token_create(user=user, name="ack", days=1)
    return f"Bearer {raw}"


def ack(api_client, job, *, user=None, auth=None, **data):
    body = {"outcome": "done", "request_id": job.platform_request_id, **data}
    headers = {"HTTP_AUTHORIZATION": auth or bearer(user)} if (auth or user) else {}
    return api_client.post(f"/api/v1/revocations/{job.pk}/ack", body, format="json", **headers)


def test_the_platform_receives_a_signed_event_and_its_ack_is_evidence(
    requested, receiver, api_client, vault_account
):
    assert deliver_webhooks() == 1
    [(body, timestamp, signature)] = receiver.received
    hook = Webhook.objects.get()
    assert webhook_verify(
        key=webhook_key(hook), body=body, timestamp=timestamp, signature=signature
    )
    event = json.loads(body)
    assert event["kind"] == EVENT and event["subject"]["id"] == requested.pk
    detail = json.loads(event["body"])
    assert detail["principal"] == "vault/approle/billing" and detail["action"] == "disable"
    assert str(event["id"]) == requested.platform_request_id

    response = ack(
        api_client, requested, user=vault_account, request_id=str(event["id"]), reference="v-42"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    job = RevocationJob.objects.get()
    assert (job.platform_reference, job.source_state) == ("v-42", "acknowledged")
    [row] = [r for r in access_rows({}) if r["credentials"]]
    [credential] = row["credentials"]
    assert credential["source_confirmed_at"] is not None
    assert credential["source_reference"] == "v-42"
    assert LifecycleEvent.objects.filter(
        related_type="connectors.revocationjob", summary__contains="confirmed by the platform"
    ).exists()


def test_a_replayed_or_stale_ack_is_refused(requested, api_client, vault_account):
    stale = ack(api_client, requested, user=vault_account, request_id="999999")
    assert stale.status_code == 409
    assert ack(api_client, requested, user=vault_account).status_code == 200
    replay = ack(api_client, requested, user=vault_account)
    assert replay.status_code == 409
    assert RevocationJob.history.filter(platform_reference__startswith="ack").count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("engineer", 404), ("auditor", 404), ("other_platform", 404)],
)
def test_only_admins_or_the_platforms_account_acknowledge(
    requested, api_client, who, status, request
):
    if who == "anonymous":
        response = ack(api_client, requested)
    elif who == "other_platform":
        other = UserFactory(username="github-platform")
        PlatformConnector.objects.create(
            platform=PlatformFactory(slug="gh"), kind="webhook",
            configured_by=requested.connector.configured_by, ack_user=other,
        )  # fmt: skip
        response = ack(api_client, requested, user=other)
    else:
        response = ack(api_client, requested, user=request.getfixturevalue(who))
    assert response.status_code == status
    assert RevocationJob.objects.get().status == JobStatus.AWAITING_ACK


def test_an_admin_may_acknowledge(requested, api_client, admin_user):
    assert ack(api_client, requested, user=admin_user).status_code == 200


def test_bad_input_and_secret_values_are_refused_and_nothing_written(
    requested, api_client, vault_account
):
    assert ack(api_client, requested, user=vault_account, outcome="maybe").status_code == 400
    leaked = ack(
        api_client, requested, user=vault_account,
        reference="AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )  # fmt: skip
    assert leaked.status_code == 400
    assert RevocationJob.objects.get().status == JobStatus.AWAITING_ACK


def test_a_failed_ack_retries_with_backoff_and_escalates_once(
    requested, api_client, vault_account, settings, owner
):
    settings.CONNECTORS_ESCALATE_AFTER = 1
    response = ack(api_client, requested, user=vault_account, outcome="failed", detail="sealed")
    assert response.status_code == 200
    job = RevocationJob.objects.get()
    assert job.status == JobStatus.PENDING and "sealed" in job.last_error
    assert job.next_attempt_at > timezone.now() + dt.timedelta(seconds=30)
    assert Notification.objects.filter(kind=services.ESCALATION_KIND, recipient=owner).count() == 1


def test_no_subscribed_webhook_is_a_failure_not_silence(vault, admin_user):
    Webhook.objects.all().delete()
    identity = IdentityFactory(platform=vault.platform)
    credential = CredentialFactory(identity=identity)
    credential_revoke(actor=admin_user, credential=credential, reason="gone")
    plan_revocations()
    job = services.revocation_run(job_id=RevocationJob.objects.get().pk)
    assert job.status == JobStatus.PENDING and "no active webhook" in job.last_error
