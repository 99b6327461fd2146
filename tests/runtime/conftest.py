"""Runtime tests: real issuer keys (RSA, EC, Ed25519), proofs shaped like the real thing
(a Kubernetes projected service-account token, a GitHub Actions OIDC token, a SPIFFE
JWT-SVID), and Steward's signing keys in a temporary directory."""

import time
from functools import cache

import pytest
from joserfc import jwk, jwt

from runtime.models import TrustedIssuer
from tests.factories import IdentityFactory, PlatformFactory

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt"
K8S_ISS = "https://kubernetes.default.svc.cluster.local"
GITHUB_ISS = "https://token.actions.githubusercontent.com"
SPIFFE_ISS = "https://spire.example.org"
AUDIENCE = "https://steward.example"
FORM = "application/x-www-form-urlencoded"


@cache
def issuer_key(kind: str):
    if kind == "rsa":
        return jwk.RSAKey.generate_key(2048, auto_kid=True)
    if kind == "ec":
        return jwk.ECKey.generate_key("P-256", auto_kid=True)
    return jwk.OKPKey.generate_key("Ed25519", auto_kid=True)


ALG = {"rsa": "RS256", "ec": "ES256", "okp": "Ed25519"}


def sign(kind: str, claims: dict, *, alg: str | None = None, kid: str | None = "default", key=None):
    key = key or issuer_key(kind)
    header = {"alg": alg or ALG[kind], "typ": "JWT"}
    if kid:
        header["kid"] = key.kid if kid == "default" else kid
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def k8s_claims(ns="payments", name="ledger-sync", *, lifetime=600, now=None, **extra):
    now = int(now or time.time())
    return {
        "aud": [AUDIENCE],
        "exp": now + lifetime,
        "iat": now,
        "nbf": now,
        "iss": K8S_ISS,
        "kubernetes.io": {
            "namespace": ns,
            "pod": {"name": f"{name}-7d9f", "uid": "6c0b1b0e-0000-4000-8000-000000000001"},
            "serviceaccount": {"name": name, "uid": "6c0b1b0e-0000-4000-8000-000000000002"},
        },
        "sub": f"system:serviceaccount:{ns}:{name}",
        **extra,
    }


def github_claims(repo="acme/deployer", *, lifetime=300, now=None, **extra):
    now = int(now or time.time())
    return {
        "jti": "example-id",
        "sub": f"repo:{repo}:ref:refs/heads/main",
        "aud": AUDIENCE,
        "ref": "refs/heads/main",
        "repository": repo,
        "repository_owner": repo.split("/")[0],
        "run_id": "7410",
        "workflow": "deploy",
        "event_name": "push",
        "iss": GITHUB_ISS,
        "nbf": now - 5,
        "exp": now + lifetime,
        "iat": now,
        **extra,
    }


def spiffe_claims(spiffe_id="spiffe://example.org/ns/ml/sa/agent", *, lifetime=300, now=None):
    now = int(now or time.time())
    return {
        "sub": spiffe_id,
        "aud": [AUDIENCE],
        "exp": now + lifetime,
        "iat": now,
        "iss": SPIFFE_ISS,
    }


def exchange_form(proof: str, **extra) -> dict:
    return {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": proof,
        "subject_token_type": JWT_TYPE,
        **extra,
    }


@pytest.fixture(autouse=True)
def signing_keys(settings, tmp_path):
    """Steward's signing keys live in a file: a fresh one per test, never the database."""
    settings.RUNTIME_SIGNING_KEYS_FILE = str(tmp_path / "signing-keys.json")
    settings.RUNTIME_ISSUER = "http://testserver"
    return tmp_path / "signing-keys.json"


def issuer_for(platform, *, name, iss, kind, mapping, algorithms=("RS256", "ES256")):
    key = issuer_key(kind)
    return TrustedIssuer.objects.create(
        platform=platform,
        name=name,
        issuer=iss,
        audience=AUDIENCE,
        jwks={"keys": [key.as_dict(private=False)]},
        algorithms=list(algorithms),
        subject_mapping=mapping,
        max_proof_lifetime_seconds=3600,
    )


@pytest.fixture
def k8s(db):
    platform = PlatformFactory(name="prod-eks", slug="prod-eks", kind="kubernetes")
    return issuer_for(
        platform, name="prod-eks SA tokens", iss=K8S_ISS, kind="rsa",
        mapping="kubernetes", algorithms=["RS256", "ES256"],
    )  # fmt: skip


@pytest.fixture
def github(db):
    platform = PlatformFactory(name="GitHub Actions", slug="github", kind="ci")
    return issuer_for(
        platform, name="GitHub OIDC", iss=GITHUB_ISS, kind="ec",
        mapping="github", algorithms=["ES256", "RS256"],
    )  # fmt: skip


@pytest.fixture
def spiffe(db):
    platform = PlatformFactory(name="SPIRE mesh", slug="spire", kind="other")
    return issuer_for(
        platform, name="SPIRE", iss=SPIFFE_ISS, kind="okp",
        mapping="spiffe", algorithms=["Ed25519", "EdDSA", "ES256"],
    )  # fmt: skip


@pytest.fixture
def workload(governed, team, k8s):
    """An active identity bound to the Kubernetes service account payments/ledger-sync;
    `owner` is the global A of every domain."""
    return IdentityFactory(
        name="ledger-sync", team=team, platform=k8s.platform, external_id="payments/ledger-sync",
        entitlements=["ledger:read", "ledger:write"], status="active",
    )  # fmt: skip
