"""Properties: whatever reaches the token endpoint, no 5xx; an issued token never outlives
its proof, its grant, its identity's end date or the policy's lifetime."""

import base64
import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.models import IssuedToken
from runtime.services import ExchangeRefused, runtime_policy_update, token_exchange
from tests.approvals_helpers import approved_exception

from .conftest import FORM, JWT_BEARER, TOKEN_EXCHANGE, k8s_claims, sign

pytestmark = pytest.mark.django_db
FIXTURES_OK = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
headers = st.fixed_dictionaries(
    {"alg": st.sampled_from(["RS256", "ES256", "none", "HS256", "EdDSA", "Ed25519", "x", 1, None])},
    optional={"kid": json_values, "crit": json_values, "typ": json_values},
)
claims = st.dictionaries(
    st.sampled_from(["iss", "aud", "sub", "exp", "nbf", "iat", "x"]), json_values, max_size=7
)


@st.composite
def malformed_jwts(draw):
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return draw(st.text(max_size=200))
    header = b64(json.dumps(draw(headers)).encode())
    if shape == 1:  # a well-formed JWT with hostile claims, a random signature
        body = b64(json.dumps(draw(claims)).encode())
        return f"{header}.{body}.{b64(draw(st.binary(max_size=300)))}"
    if shape == 2:  # undecodable segments
        return ".".join(draw(st.lists(st.text(max_size=40), min_size=1, max_size=5)))
    # signed by the trusted issuer, but with hostile claims (the trusted iss kept half the time)
    bad = draw(claims)
    if draw(st.booleans()):
        bad["iss"] = "https://kubernetes.default.svc.cluster.local"
    return sign("rsa", bad)


form_values = st.text(max_size=60) | st.sampled_from([TOKEN_EXCHANGE, JWT_BEARER])


@FIXTURES_OK
@given(
    proof=malformed_jwts(),
    extra=st.dictionaries(
        st.sampled_from(["scope", "audience", "resource", "subject_token_type", "actor_token"]),
        form_values,
    ),
    grant_type=st.sampled_from([TOKEN_EXCHANGE, JWT_BEARER, "", "x"]),
)
def test_malformed_input_never_answers_5xx(client, workload, caplog, proof, extra, grant_type):
    data = {"grant_type": grant_type, "subject_token": proof, "assertion": proof, **extra}
    data.setdefault("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
    response = client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    assert response.status_code < 500
    body = response.json()
    if response.status_code != 200:
        assert set(body) == {"error", "error_description"} and body["error_description"]
    # ...and not by the last-resort handler either: every refusal is a deliberate one
    assert not [r for r in caplog.records if r.name == "runtime.oauth"]


@FIXTURES_OK
@given(body=st.binary(max_size=400), content_type=st.sampled_from([FORM, "text/plain", ""]))
def test_raw_bodies_never_answer_5xx(client, db, body, content_type):
    response = client.post(reverse("runtime:token"), body, content_type=content_type)
    assert response.status_code < 500


NOW = timezone.now().replace(microsecond=0)


@FIXTURES_OK
@given(
    proof_seconds=st.integers(10, 3600),
    policy_seconds=st.integers(10, 7200),
    tier=st.sampled_from(["low", "medium", "high", "critical"]),
    end_in_days=st.none() | st.integers(0, 3),
    grant_seconds=st.none() | st.integers(30, 3 * 3600),
)
def test_exp_never_exceeds_any_bound(
    workload, granted_scope, proof_seconds, policy_seconds, tier, end_in_days, grant_seconds
):
    policy, grant = granted_scope
    policy.lifetime_by_risk = {tier: policy_seconds}
    policy.save()
    workload.risk_tier = tier
    workload.ends_on = (
        NOW.date() + dt.timedelta(days=end_in_days) if end_in_days is not None else None
    )
    workload.save()
    scope = "ledger:read"
    if grant_seconds is not None:
        grant.expires_at = NOW + dt.timedelta(seconds=grant_seconds)
        grant.save()
        scope = "ledger:write"
    proof = sign("rsa", k8s_claims(now=NOW.timestamp(), lifetime=proof_seconds))
    data = {"grant_type": JWT_BEARER, "assertion": proof, "scope": scope}
    try:
        body = token_exchange(data=data, now=NOW)
    except ExchangeRefused as refused:
        assert "expires too soon" in refused.description
        return
    token = IssuedToken.objects.get(exchange__pk=IssuedToken.objects.latest("pk").exchange_id)
    exp = token.expires_at
    assert exp <= NOW + dt.timedelta(seconds=proof_seconds)
    assert exp <= NOW + dt.timedelta(seconds=policy_seconds)
    if end_in_days is not None:
        end = timezone.make_aware(
            dt.datetime.combine(workload.ends_on + dt.timedelta(days=1), dt.time.min)
        )
        assert exp <= end
    if grant_seconds is not None:
        assert token.grant == grant and exp <= grant.expires_at
    assert body["expires_in"] == int((exp - NOW).total_seconds())


@pytest.fixture
def granted_scope(workload, admin_user):
    policy = runtime_policy_update(actor=admin_user, reason="gated", grant_scopes=["ledger:write"])
    grant = approved_exception(
        workload, NOW - dt.timedelta(minutes=5), days=1, scopes=["ledger:write"]
    )
    return policy, grant
