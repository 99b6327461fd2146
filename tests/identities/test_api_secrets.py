"""A payload that carries a secret value is refused with a 400 naming the field, and
nothing is saved — on every write endpoint of the API."""

import pytest

from identities.models import Credential, Identity, LifecycleEvent
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db

GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
AWS_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"
HIGH_ENTROPY = "zQ8+vL2pX7mN4kR9wT1yB6cF3hJ5dG0sA8eU2iO7lP4x"


@pytest.fixture
def setup(engineer):
    team = TeamFactory(slug="payments", members=[engineer])
    platform = PlatformFactory(slug="prod-k8s", owning_team=team)
    identity = IdentityFactory(team=team, platform=platform)
    return {
        "team": team,
        "platform": platform,
        "identity": identity,
        "credential": CredentialFactory(identity=identity),
    }


def identity_body(setup, **overrides):
    return {
        "name": "etl-runner",
        "kind": "workload",
        "external_id": "etl/runner",
        "team": setup["team"].slug,
        "platform": setup["platform"].slug,
        "environment": "staging",
        "purpose": "Nightly ETL of the ledger into the warehouse.",
        **overrides,
    }


def credential_body(**overrides):
    return {
        "kind": "api_key",
        "label": "deploy key",
        "storage_location": "vault:kv/etl",
        **overrides,
    }


def snapshot():
    return (
        Identity.objects.count(),
        Credential.objects.count(),
        LifecycleEvent.objects.count(),
        list(Identity.objects.values_list("purpose", flat=True).order_by("pk")),
    )


CASES = {
    "unknown secret key on create": (
        "post",
        "/api/v1/identities/",
        lambda s: identity_body(s, secret="hunter2"),
        "secret",
    ),
    "unknown token key on create": (
        "post",
        "/api/v1/identities/",
        lambda s: identity_body(s, token="abc"),
        "token",
    ),
    "unknown password key on record": (
        "post",
        "credentials",
        lambda s: credential_body(password="p4ss"),
        "password",
    ),
    "unknown value key on record": (
        "post",
        "credentials",
        lambda s: credential_body(value="x"),
        "value",
    ),
    "github token in purpose": (
        "post",
        "/api/v1/identities/",
        lambda s: identity_body(s, purpose=f"Uses {GITHUB_TOKEN} to push"),
        "purpose",
    ),
    "github token in purpose on update": (
        "patch",
        "identity",
        lambda s: {"purpose": f"now with {GITHUB_TOKEN}"},
        "purpose",
    ),
    "aws secret key in key_id": (
        "post",
        "credentials",
        lambda s: credential_body(key_id=AWS_SECRET_KEY),
        "key_id",
    ),
    "aws secret key in fingerprint on rotate": (
        "post",
        "rotate",
        lambda s: {"fingerprint": AWS_SECRET_KEY},
        "fingerprint",
    ),
    "pem private key in storage_location": (
        "post",
        "credentials",
        lambda s: credential_body(storage_location=PEM),
        "storage_location",
    ),
    "high-entropy string in label": (
        "post",
        "credentials",
        lambda s: credential_body(label=f"key {HIGH_ENTROPY}"),
        "label",
    ),
    "secret in revoke reason": (
        "post",
        "revoke",
        lambda s: {"reason": f"leaked {GITHUB_TOKEN}"},
        "reason",
    ),
    "secret nested in an entitlement": (
        "post",
        "/api/v1/identities/",
        lambda s: identity_body(s, entitlements=["repo:read", GITHUB_TOKEN]),
        "entitlements",
    ),
    "secret under an unknown nested key": (
        "post",
        "/api/v1/identities/",
        lambda s: identity_body(s, metadata={"client_secret": "x"}),
        "metadata",
    ),
}


def url_for(target, setup):
    return {
        "credentials": f"/api/v1/identities/{setup['identity'].pk}/credentials/",
        "identity": f"/api/v1/identities/{setup['identity'].pk}/",
        "rotate": f"/api/v1/credentials/{setup['credential'].pk}/rotate/",
        "revoke": f"/api/v1/credentials/{setup['credential'].pk}/revoke/",
    }.get(target, target)


@pytest.mark.parametrize("case", list(CASES))
def test_secret_value_is_refused_naming_the_field_and_nothing_saved(
    api_client, engineer, setup, case
):
    method, target, body, field = CASES[case]
    api_client.force_authenticate(engineer)
    before = snapshot()
    response = getattr(api_client, method)(url_for(target, setup), body(setup), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert "secret" in " ".join(response.json()[field]).lower()
    assert snapshot() == before
    setup["credential"].refresh_from_db()
    assert setup["credential"].status == "active"


def test_secret_is_not_echoed_back(api_client, engineer, setup):
    api_client.force_authenticate(engineer)
    response = api_client.post(
        "/api/v1/identities/", identity_body(setup, purpose=f"uses {GITHUB_TOKEN}"), format="json"
    )
    assert response.status_code == 400
    assert GITHUB_TOKEN.encode() not in response.content


def test_unknown_field_is_refused_by_name(api_client, engineer, setup):
    api_client.force_authenticate(engineer)
    response = api_client.post(
        "/api/v1/identities/", identity_body(setup, status="active", owner="me"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "owner"}
    assert Identity.objects.count() == 1


def test_metadata_that_only_looks_long_is_accepted(api_client, engineer, setup):
    api_client.force_authenticate(engineer)
    response = api_client.post(
        url_for("credentials", setup),
        credential_body(
            storage_location="arn:aws:secretsmanager:eu-west-1:123456789012:secret:etl/key-AbCdEf",
            fingerprint="SHA256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            key_id="AKIAIOSFODNN7EXAMPLE",
            last_chars="Qz9x",
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
