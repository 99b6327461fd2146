"""The token endpoint: real proofs in, RFC 9068 tokens out, verified against the published
JWKS with a JOSE library; every refusal an RFC 6749 §5.2 error with only its evaluation row."""

import datetime as dt
import time
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from joserfc import jwk, jwt

from runtime.models import IssuedToken, TokenExchange
from runtime.services import runtime_policy_update
from tests.approvals_helpers import approved_exception
from tests.factories import IdentityFactory

from .conftest import (
    AUDIENCE,
    FORM,
    JWT_BEARER,
    K8S_ISS,
    exchange_form,
    github_claims,
    issuer_key,
    k8s_claims,
    sign,
    spiffe_claims,
)

pytestmark = pytest.mark.django_db


def post_form(client, url, data, **extra):
    return client.post(url, urlencode(data), content_type=FORM, **extra)


def post_token(client, data):
    return post_form(client, reverse("runtime:token"), data)


def verify_with_published_jwks(client, access_token: str) -> dict:
    keyset = jwk.KeySet.import_key_set(client.get(reverse("runtime:jwks")).json())
    token = jwt.decode(access_token, keyset, algorithms=["ES256"])
    assert token.header["typ"] == "at+jwt"
    return token.claims


def test_kubernetes_sa_token_exchanged_for_a_verifiable_steward_token(client, workload):
    response = post_token(client, exchange_form(sign("rsa", k8s_claims()), scope="ledger:read"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert body["token_type"] == "Bearer" and body["scope"] == "ledger:read"
    assert 0 < body["expires_in"] <= 900
    assert response["Cache-Control"] == "no-store"
    claims = verify_with_published_jwks(client, body["access_token"])
    assert claims["iss"] == "http://testserver"
    assert claims["identity_id"] == workload.pk and claims["scope"] == "ledger:read"
    assert claims["grant_id"] is None and claims["policy_version"] == 1
    assert {"sub", "aud", "client_id", "jti", "iat", "exp"} <= set(claims)
    token = IssuedToken.objects.get(jti=claims["jti"])
    assert token.identity == workload and token.scopes == ["ledger:read"]
    assert int(token.expires_at.timestamp()) == claims["exp"]
    exchange = token.exchange
    assert (
        exchange.outcome == "issued"
        and exchange.subject == "system:serviceaccount:payments:ledger-sync"
    )
    assert exchange.policy_version == 1 and exchange.issuer.issuer == K8S_ISS
    # never the token, never the proof
    stored = str(list(TokenExchange.objects.values())) + str(list(IssuedToken.objects.values()))
    assert body["access_token"] not in stored and "eyJ" not in stored


def test_github_actions_oidc_token_via_jwt_bearer_grant(client, github, governed, team):
    identity = IdentityFactory(
        platform=github.platform, team=team, external_id="acme/deployer", entitlements=["deploy"]
    )
    response = post_token(
        client, {"grant_type": JWT_BEARER, "assertion": sign("ec", github_claims())}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert "issued_token_type" not in body and body["scope"] == "deploy"
    assert verify_with_published_jwks(client, body["access_token"])["identity_id"] == identity.pk


def test_spiffe_jwt_svid_signed_with_ed25519(client, spiffe, governed, team):
    identity = IdentityFactory(
        platform=spiffe.platform, team=team, external_id="spiffe://example.org/ns/ml/sa/agent",
        entitlements=["models:infer"],
    )  # fmt: skip
    response = post_token(client, exchange_form(sign("okp", spiffe_claims()), audience="steward"))
    assert response.status_code == 200, response.content
    claims = verify_with_published_jwks(client, response.json()["access_token"])
    assert claims["identity_id"] == identity.pk and claims["aud"] == "steward"


# --- RFC 8725 refusals: the error code, and only the refused evaluation row -------------------
def _b64(data) -> str:
    import base64
    import json

    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hs256_with_public_key_as_secret():
    """The classic algorithm confusion (RFC 8725 §2.1): HMAC keyed with the public key."""
    import hashlib
    import hmac

    key = issuer_key("rsa")
    signing_input = f"{_b64({'alg': 'HS256', 'kid': key.kid})}.{_b64(k8s_claims())}"
    mac = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _alg_none():
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(k8s_claims())}."


def _foreign_key():
    return sign("rsa", k8s_claims(), key=jwk.RSAKey.generate_key(2048), kid=issuer_key("rsa").kid)


REFUSALS = [
    ("alg none", _alg_none, "not accepted"),
    ("HS256 with the public key", _hs256_with_public_key_as_secret, "not accepted"),
    ("wrong iss", lambda: sign("rsa", k8s_claims(iss="https://evil.example")), "not trusted"),
    ("wrong aud", lambda: sign("rsa", k8s_claims(aud=["https://other"])), "audience"),
    ("expired", lambda: sign("rsa", k8s_claims(now=time.time() - 4000)), "expired"),
    ("nbf future", lambda: sign("rsa", k8s_claims(nbf=int(time.time()) + 600)), "not valid yet"),
    (
        "iat future",
        lambda: sign("rsa", k8s_claims(iat=int(time.time()) + 600, nbf=None)),
        "issued in the future",
    ),
    ("exp not a number", lambda: sign("rsa", {**k8s_claims(), "exp": "soon"}), "NumericDate"),
    ("unknown kid", lambda: sign("rsa", k8s_claims(), kid="rotated-away"), "Unknown signing key"),
    ("too long", lambda: sign("rsa", k8s_claims(lifetime=86400)), "at most 3600"),
    ("bad signature", _foreign_key, "signature"),
    ("alg not allowed for issuer", lambda: sign("rsa", k8s_claims(), alg="PS256"), "PS256"),
    ("no exp", lambda: sign("rsa", {**k8s_claims(), "exp": None}), "'exp'"),
    ("not a SA", lambda: sign("rsa", k8s_claims(sub="alice")), "service account"),
    ("garbage", lambda: "not.a.jwt", "well-formed"),
]


@pytest.mark.parametrize(("case", "make", "says"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_proof_refusals_per_rfc8725(client, workload, case, make, says):
    response = post_token(client, exchange_form(make()))
    assert response.status_code == 400
    body = response.json()
    # RFC 8693 §2.2.2: an invalid subject_token is invalid_request
    assert body["error"] == "invalid_request", body
    assert says in body["error_description"]
    assert TokenExchange.objects.get().outcome == "refused"
    assert not IssuedToken.objects.exists()


def test_jwt_bearer_refusal_is_invalid_grant(client, workload):
    expired = sign("rsa", k8s_claims(now=time.time() - 4000))
    body = post_token(client, {"grant_type": JWT_BEARER, "assertion": expired}).json()
    assert body["error"] == "invalid_grant" and "expired" in body["error_description"]


# --- policy refusals at request time ------------------------------------------------------------
def test_suspended_identity_refused_with_its_name(client, workload):
    workload.status = "suspended"
    workload.save()
    body = post_token(client, exchange_form(sign("rsa", k8s_claims()))).json()
    assert body == {
        "error": "unauthorized_client",
        "error_description": "Identity 'ledger-sync' is suspended.",
    }
    row = TokenExchange.objects.get()
    assert row.identity == workload and row.reasons == [body["error_description"]]


def test_identity_past_its_end_date_refused(client, workload):
    import datetime as dt

    workload.ends_on = dt.date.today() - dt.timedelta(days=2)
    workload.save()
    body = post_token(client, exchange_form(sign("rsa", k8s_claims()))).json()
    assert body["error"] == "unauthorized_client" and "ended on" in body["error_description"]


def test_unknown_subject_refused(client, workload):
    body = post_token(client, exchange_form(sign("rsa", k8s_claims(name="other")))).json()
    assert body["error"] == "invalid_grant" and "payments/other" in body["error_description"]


def test_scope_outside_entitlements_refused(client, workload):
    body = post_token(
        client, exchange_form(sign("rsa", k8s_claims()), scope="payments:refund")
    ).json()
    assert body["error"] == "invalid_scope" and "payments:refund" in body["error_description"]


def test_gated_scope_needs_an_active_grant_with_a_link(client, workload, admin_user):
    from runtime.services import runtime_policy_update

    runtime_policy_update(
        actor=admin_user, reason="writes need a grant", grant_scopes=["ledger:write"]
    )
    body = post_token(client, exchange_form(sign("rsa", k8s_claims()), scope="ledger:write")).json()
    assert body["error"] == "invalid_scope"
    assert (
        "ledger:write needs an active grant listing it among its runtime scopes; "
        "request one at /approvals/" in body["error_description"]
    )
    assert TokenExchange.objects.get().policy_version == 2


def test_gated_scope_issued_under_a_grant_and_bounded_by_it(client, workload, admin_user):
    import datetime as dt

    from django.utils import timezone

    from runtime.services import runtime_policy_update

    runtime_policy_update(actor=admin_user, reason="gated", grant_scopes=["ledger:*"])
    grant = approved_exception(
        workload, timezone.now() - dt.timedelta(days=1), days=1.002, scopes=["ledger:write"]
    )
    response = post_token(client, exchange_form(sign("rsa", k8s_claims()), scope="ledger:write"))
    assert response.status_code == 200, response.content
    token = IssuedToken.objects.get()
    assert token.grant == grant and token.expires_at <= grant.expires_at
    assert response.json()["expires_in"] < 900


def test_ownership_gap_refuses_high_risk_identity(client, workload, governed):
    governed["identity"].assignments.filter(role="A").delete()
    workload.risk_tier = "high"
    workload.save()
    body = post_token(client, exchange_form(sign("rsa", k8s_claims()))).json()
    assert body["error"] == "unauthorized_client" and "ownership gap" in body["error_description"]
    workload.risk_tier = "low"
    workload.save()
    assert post_token(client, exchange_form(sign("rsa", k8s_claims()))).status_code == 200


def test_audience_not_allowed_is_invalid_target(client, workload, admin_user):
    from runtime.services import runtime_policy_update

    runtime_policy_update(actor=admin_user, reason="one API", allowed_audiences=["ledger-api"])
    body = post_token(client, exchange_form(sign("rsa", k8s_claims()), audience="other")).json()
    assert body["error"] == "invalid_target"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange"}, "invalid_request"),
        (exchange_form("x", subject_token_type="urn:x"), "invalid_request"),
        (exchange_form("x", actor_token="y", actor_token_type="urn:x"), "invalid_request"),
        (exchange_form("x", scope='a"b'), "invalid_scope"),
    ],
)
def test_malformed_requests_answer_rfc6749_errors(client, db, data, error):
    response = post_token(client, data)
    assert response.status_code == 400 and response.json()["error"] == error


def test_repeated_parameter_refused(client, db):
    body = client.post(
        reverse("runtime:token"),
        "grant_type=a&grant_type=b",
        content_type="application/x-www-form-urlencoded",
    ).json()
    assert body["error"] == "invalid_request" and "repeated" in body["error_description"]


def test_json_body_refused(client, db):
    response = client.post(
        reverse("runtime:token"), {"grant_type": "x"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_discovery_metadata(client, db):
    body = client.get("/.well-known/openid-configuration").json()
    assert body["issuer"] == "http://testserver"
    assert body["token_endpoint"] == "http://testserver/oauth/token"
    assert body["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert JWT_BEARER in body["grant_types_supported"]


def test_audience_in_proof_may_be_a_string(client, workload):
    response = post_token(client, exchange_form(sign("rsa", k8s_claims(aud=AUDIENCE))))
    assert response.status_code == 200


def test_a_grant_covers_only_its_structured_scopes_not_its_text(client, workload, admin_user):
    """The grant's free text naming a scope does not cover it; its runtime scopes do."""

    runtime_policy_update(actor=admin_user, reason="gated", grant_scopes=["ledger:write"])
    grant = approved_exception(workload, timezone.now() - dt.timedelta(minutes=5), days=1)
    grant.request.access_requested = "ledger:write"
    grant.request.scope = "ledger:write"
    grant.request.save()
    refused = post_token(client, exchange_form(sign("rsa", k8s_claims()), scope="ledger:write"))
    assert refused.json()["error"] == "invalid_scope"
    assert "listing it among its runtime scopes" in refused.json()["error_description"]
    approved_exception(
        workload, timezone.now() - dt.timedelta(minutes=5), days=1, scopes=["ledger:write"]
    )
    issued = post_token(client, exchange_form(sign("rsa", k8s_claims()), scope="ledger:write"))
    assert issued.status_code == 200, issued.content
