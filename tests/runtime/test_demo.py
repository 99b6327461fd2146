"""Try it in one line: seed_demo registers a demo issuer, sign_demo_proof plays the cluster,
and the proof exchanges at /oauth/token. Also the dashboard panel and the revoke notice."""

import io
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import Notification
from identities.models import Identity, Platform
from runtime.demo import DEMO_ISSUER
from runtime.models import TrustedIssuer
from runtime.services import tokens_revoke_all
from tests.factories import IdentityFactory, TeamFactory

from .conftest import FORM, exchange_form, k8s_claims, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_platform(governed, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    team = TeamFactory(slug="platform-eng", name="Platform Engineering")
    platform = Platform.objects.create(name="Production EKS", slug="prod-eks", kind="kubernetes")
    return IdentityFactory(platform=platform, team=team, external_id="payments/ledger-sync")


def test_demo_issuer_and_proof_exchange_with_curl_shape(client, demo_platform):
    from runtime import demo

    demo.seed({})
    demo.seed({})  # idempotent
    assert TrustedIssuer.objects.filter(issuer=DEMO_ISSUER).count() == 1
    out = io.StringIO()
    call_command("sign_demo_proof", identity=demo_platform.pk, stdout=out)
    data = exchange_form(out.getvalue().strip())
    response = client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "ledger:read"


def test_sign_demo_proof_explains_what_it_cannot_sign(demo_platform):
    from runtime import demo

    demo.seed({})
    other = IdentityFactory(team=demo_platform.team)
    with pytest.raises(CommandError, match="service accounts"):
        call_command("sign_demo_proof", identity=other.pk)
    with pytest.raises(CommandError, match="No identity"):
        call_command("sign_demo_proof", identity=999999)


def test_dashboard_panel_counts_federated_identities(client, workload, admin_user):
    data = exchange_form(sign("rsa", k8s_claims()))
    client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    client.force_login(admin_user)
    html = client.get(reverse("runtime:dashboard-panel")).content.decode()
    active = Identity.objects.filter(status="active").count()
    assert '<span id="card-federated" class="stat">1</span>' in html and f"of {active}" in html


def test_revoke_all_notifies_the_accountable_owner(client, workload, owner, admin_user):
    data = exchange_form(sign("rsa", k8s_claims()))
    client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    tokens_revoke_all(actor=admin_user, identity=workload, reason="pod compromised")
    notice = Notification.objects.get(kind="runtime.tokens_revoked", recipient=owner)
    assert "1 runtime token(s) of ledger-sync revoked" in notice.title


def test_create_resource_server_prints_the_secret_once(admin_user, engineer):
    out = io.StringIO()
    call_command(
        "create_resource_server", name="Ledger", client_id="ledger", admin=admin_user.username,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "client_secret=stwrs_" in out.getvalue()
    with pytest.raises(CommandError, match="Only admins"):
        call_command("create_resource_server", name="X", client_id="x", admin=engineer.username)
