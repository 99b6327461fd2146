"""Introspection answers from the state now: every revocation path kills a token issued
before it at once. Revocation (RFC 7009) and revoke-all. Key rotation."""

import base64
import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from joserfc import jwk, jwt

from approvals.choices import GrantStatus
from approvals.grants import grant_revoke, grants_end
from identities.status import identity_set_status
from runtime import keys
from runtime.models import IssuedToken
from runtime.services import resource_server_create, runtime_policy_update, tokens_revoke_all
from tests.approvals_helpers import approved_exception
from tests.factories import UserFactory

from .conftest import FORM, exchange_form, k8s_claims, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(admin_user):
    server, secret = resource_server_create(actor=admin_user, name="Ledger API", client_id="ledger")
    return server, secret


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def issue(client, scope="ledger:read") -> str:
    data = exchange_form(sign("rsa", k8s_claims()), scope=scope)
    response = client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def introspect(client, server, token):
    _, secret = server
    response = client.post(
        reverse("runtime:introspect"),
        urlencode({"token": token}),
        content_type=FORM,
        HTTP_AUTHORIZATION=basic("ledger", secret),
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_live_token_is_active_with_its_claims(client, workload, server):
    token = issue(client)
    body = introspect(client, server, token)
    assert body["active"] is True and body["scope"] == "ledger:read"
    assert body["identity_id"] == workload.pk and body["token_type"] == "Bearer"


@pytest.mark.parametrize(
    "auth", [None, basic("ledger", "wrong"), basic("nobody", "x"), "Basic !!!", "Bearer x"]
)
def test_introspection_needs_a_resource_server_credential(client, workload, server, auth):
    token = issue(client)
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    response = client.post(
        reverse("runtime:introspect"), urlencode({"token": token}), content_type=FORM, **extra
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_revoked_resource_server_credential_refused(client, workload, server, admin_user):
    from runtime.services import resource_server_revoke

    resource_server_revoke(actor=admin_user, server=server[0])
    response = client.post(
        reverse("runtime:introspect"),
        urlencode({"token": "x", "client_id": "ledger", "client_secret": server[1]}),
        content_type=FORM,
    )
    assert response.status_code == 401


def test_the_secret_is_never_stored(server):
    assert server[1] not in str(list(type(server[0]).objects.values()))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 10000])
def test_unknown_tokens_are_inactive(client, db, server, token):
    if not token:
        _, secret = server
        response = client.post(
            reverse("runtime:introspect"),
            urlencode({"token": ""}),
            content_type=FORM,
            HTTP_AUTHORIZATION=basic("ledger", secret),
        )
        assert response.status_code == 400
        return
    assert introspect(client, server, token) == {"active": False}


def test_token_forged_with_another_key_is_inactive(client, workload, server):
    token = issue(client)
    claims = jwt.decode(token, keys.verification_keyset()).claims
    forged = jwt.encode(
        {"alg": "ES256", "typ": "at+jwt", "kid": keys.current_key().kid},
        claims,
        jwk.ECKey.generate_key("P-256"),
    )
    assert introspect(client, server, forged) == {"active": False}


# --- every revocation path -------------------------------------------------------------------
def _suspend(workload, owner, **_):
    identity_set_status(actor=owner, identity=workload, status="suspended", reason="incident")


def _decommission(workload, owner, **_):
    identity_set_status(actor=owner, identity=workload, status="decommissioned", reason="done")


def _revoke_all_identity(workload, owner, **_):
    assert tokens_revoke_all(actor=owner, identity=workload, reason="leaked pod") == 1


def _past_end_date(workload, **_):
    workload.ends_on = timezone.localdate() - dt.timedelta(days=1)
    workload.save()


@pytest.mark.parametrize("revoke", [_suspend, _decommission, _revoke_all_identity, _past_end_date])
def test_identity_revocation_paths_make_tokens_inactive(client, workload, owner, server, revoke):
    token = issue(client)
    assert introspect(client, server, token)["active"] is True
    revoke(workload=workload, owner=owner)
    assert introspect(client, server, token) == {"active": False}


@pytest.fixture
def granted(workload, admin_user):
    runtime_policy_update(actor=admin_user, reason="gated", grant_scopes=["ledger:write"])
    grant = approved_exception(
        workload, timezone.now() - dt.timedelta(minutes=5), days=1, scopes=["ledger:write"]
    )
    return grant


@pytest.mark.parametrize("path", ["revoke", "expire", "revoke_all_grant"])
def test_grant_revocation_paths_make_tokens_inactive(client, granted, owner, server, path):
    token = issue(client, scope="ledger:write")
    assert introspect(client, server, token)["active"] is True
    if path == "revoke":
        grant_revoke(actor=owner, grant=granted, reason="no longer needed")
    elif path == "expire":  # what the lifecycle expiry sweep calls
        grants_end(grant_ids=[granted.pk], status=GrantStatus.EXPIRED)
    else:
        assert tokens_revoke_all(actor=owner, grant=granted, reason="rotate") == 1
    assert introspect(client, server, token) == {"active": False}


def test_expired_token_is_inactive_the_moment_it_expires(client, workload, server):
    from runtime.selectors import introspect as introspect_now

    token = issue(client)
    row = IssuedToken.objects.get()
    _, secret = server
    before = row.expires_at - dt.timedelta(seconds=1)
    answer = introspect_now(token, client_id="ledger", secret=secret, now=before)
    assert answer["active"] is True and answer["exp"] == int(row.expires_at.timestamp())
    assert introspect_now(token, client_id="ledger", secret=secret, now=row.expires_at) == {
        "active": False
    }


def test_rfc7009_holder_revokes_its_own_token(client, workload, server):
    token = issue(client)
    response = client.post(
        reverse("runtime:revoke"), urlencode({"token": token}), content_type=FORM
    )
    assert response.status_code == 200
    assert introspect(client, server, token) == {"active": False}
    row = IssuedToken.objects.get()
    assert row.revoked_at is not None and "holder" in row.revoke_reason
    assert row.history.first().history_change_reason.startswith("token revoked")
    # an unknown token is a 200 too (RFC 7009 §2.2)
    assert client.post(reverse("runtime:revoke"), "token=x", content_type=FORM).status_code == 200


def test_revoke_all_needs_an_owner_or_admin(
    workload, governed, engineer, outsider, owner, admin_user
):
    for who in (engineer, outsider):
        with pytest.raises(PermissionDenied):
            tokens_revoke_all(actor=who, identity=workload, reason="x")
    with pytest.raises(ValidationError):
        tokens_revoke_all(actor=owner, identity=workload, reason="  ")
    assert tokens_revoke_all(actor=admin_user, identity=workload, reason="ok") == 0
    responsible = UserFactory(username="rita-r")
    from tests.governance.factories import AssignmentFactory

    AssignmentFactory(
        domain=governed["identity"],
        scope_kind="identity",
        identity=workload,
        role="R",
        assignee_user=responsible,
    )
    assert tokens_revoke_all(actor=responsible, identity=workload, reason="ok") == 0


# --- signing keys ----------------------------------------------------------------------------
def test_keys_are_generated_into_a_file_not_the_database(client, workload, signing_keys):
    issue(client)
    data = json.loads(signing_keys.read_text())
    assert len(data["keys"]) == 1 and "d" in data["keys"][0]["jwk"]
    assert oct(signing_keys.stat().st_mode & 0o777) == "0o600"
    published = client.get(reverse("runtime:jwks")).json()["keys"]
    assert [k["kid"] for k in published] == [data["keys"][0]["jwk"]["kid"]]
    assert "d" not in published[0]


def test_rotation_keeps_the_old_key_published_until_its_last_token_expires(client, workload):
    token = issue(client)
    old_kid = keys.current_key().kid
    call_command("rotate_signing_key")
    new_kid = keys.current_key().kid
    assert new_kid != old_kid
    published = {k["kid"] for k in client.get(reverse("runtime:jwks")).json()["keys"]}
    assert published == {old_kid, new_kid}
    keyset = jwk.KeySet.import_key_set(client.get(reverse("runtime:jwks")).json())
    assert jwt.decode(token, keyset, algorithms=["ES256"]).claims["jti"]
    # new tokens are signed with the new key
    assert jwt.decode(issue(client), keyset).header["kid"] == new_kid
    # once the old key's last token has expired, it is no longer published...
    later = IssuedToken.objects.get(kid=old_kid).expires_at + dt.timedelta(seconds=1)
    assert {k["kid"] for k in keys.published_jwks(now=later)["keys"]} == {new_kid}
    # ...and the next rotation drops it from the file
    _, dropped = keys.rotate(now=later)
    assert dropped == [old_kid]


def test_production_refuses_to_sign_without_a_key_file(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    settings.RUNTIME_SIGNING_KEYS_FILE = ""
    with pytest.raises(ImproperlyConfigured):
        keys.current_key()
    settings.RUNTIME_SIGNING_KEYS_FILE = str(tmp_path / "missing.json")
    with pytest.raises(ImproperlyConfigured):
        keys.current_key()
