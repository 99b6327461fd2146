"""What the secrets-everywhere acceptance plants (each provider's key shape and its
encodings) and, per API operation, a body valid apart from the planted field."""

import datetime as dt

from django.utils import timezone

from connectors.models import PlatformConnector, RevocationJob
from tests.core.secret_shapes import (
    AWS_SECRET,
    GITHUB_CLASSIC,
    KEYS,
    OPENAI,
    PEM,
    SLACK_BOT,
    b64,
    b64url,
    spaced,
)
from tests.factories import (
    CredentialFactory,
    IdentityFactory,
    UserFactory,
)

PLANTS = {
    **KEYS,
    "pem private key": PEM,
    "aws secret after a path": f"Key: vault/{AWS_SECRET}",
    "aws secret space-separated": spaced(AWS_SECRET, 5),
    "password in a url": "postgres://app:Zq8Lr2Vt6Yw4Kp@db.internal/ledger",
    "base64 github token": b64(GITHUB_CLASSIC),
    "base64url openai key": b64url(OPENAI),
    "hex aws secret": AWS_SECRET.encode().hex(),
    "lowercased openai key": OPENAI.lower(),
    "double base64 slack token": b64(b64(SLACK_BOT)),
}


def needles() -> set[str]:
    """What must not be in the dump: each plant as sent, and each raw key."""
    found = {value.splitlines()[0] for value in PLANTS.values()}
    found |= set(KEYS.values())
    found |= {"Zq8Lr2Vt6Yw4Kp", AWS_SECRET.lower()}
    return found


def _awaiting_ack(w, n) -> RevocationJob:
    """A revocation the platform has been asked to carry out (signed webhook contract)."""
    connector, _ = PlatformConnector.objects.get_or_create(
        platform=w["platform"], defaults={"kind": "webhook", "configured_by": w["user"]}
    )
    credential = CredentialFactory(identity=w["identity"], status="revoked")
    return RevocationJob.objects.create(
        connector=connector, credential=credential, identity=w["identity"],
        reason="credential_revoked", status="awaiting_ack", platform_request_id=f"req-{n}",
    )  # fmt: skip


def _issuer_body(w, n) -> dict:
    return {
        "platform": w["platform"].slug,
        "name": f"Issuer {n}",
        "issuer": f"https://issuer-{n}.example.com",
        "audience": "steward",
        "jwks_url": f"https://issuer-{n}.example.com/jwks.json",
        "algorithms": ["RS256"],
        "subject_claim": "sub",
        "subject_mapping": "kubernetes",
    }


def future_date(days: int) -> str:
    return str(timezone.localdate() + dt.timedelta(days=days))


# Operation → (caller, path ids, body valid apart from the plant). The body without a plant
# is sent last, so single-use operations (decide, revoke, rotate) are still open for it.
BODIES = {
    ("post", "/api/v1/runtime/issuers/"): lambda w, n: ("user", {}, _issuer_body(w, n)),
    ("patch", "/api/v1/runtime/issuers/{id}/"): lambda w, n: (
        "user",
        {"id": w["issuer"].pk},
        {"name": f"Issuer {n}", "audience": f"steward-{n}"},
    ),
    ("post", "/api/v1/revocations/{id}/ack"): lambda w, n: (
        "user",
        {"id": _awaiting_ack(w, n).pk},
        {"outcome": "done", "request_id": f"req-{n}", "reference": f"ref-{n}"},
    ),
    ("post", "/api/v1/teams/"): lambda w, n: ("user", {}, {"name": f"Team {n}"}),
    ("post", "/api/v1/platforms/"): lambda w, n: (
        "user",
        {},
        {"name": f"Platform {n}", "kind": "kubernetes"},
    ),
    ("post", "/api/v1/identities/"): lambda w, n: (
        "user",
        {},
        {
            "name": f"bot-{n}",
            "kind": "workload",
            "external_id": f"payments/bot-{n}",
            "team": "payments",
            "platform": "prod-k8s",
            "environment": "staging",
            "purpose": "Nightly ETL.",
            "entitlements": ["ledger:read"],
        },
    ),
    ("patch", "/api/v1/identities/{id}/"): lambda w, n: (
        "user",
        {"id": w["identity"].pk},
        {"purpose": f"ETL {n}", "reason": "clarified"},
    ),
    ("post", "/api/v1/identities/{id}/credentials/"): lambda w, n: (
        "user",
        {"id": w["identity"].pk},
        {"kind": "api_key", "label": f"deploy key {n}"},
    ),
    ("post", "/api/v1/credentials/{id}/rotate/"): lambda w, n: (
        "user",
        {"id": w["credentials"][0].pk},
        {"fingerprint": "SHA256:abc"},
    ),
    ("post", "/api/v1/credentials/{id}/revoke/"): lambda w, n: (
        "user",
        {"id": w["credentials"][1].pk},
        {"reason": "rotated out"},
    ),
    ("post", "/api/v1/ownership/domains/"): lambda w, n: (
        "user",
        {},
        {"key": f"domain-{n}", "name": f"Domain {n}", "reason": "new area"},
    ),
    ("post", "/api/v1/ownership/assignments/"): lambda w, n: (
        "user",
        {},
        {
            "domain": "identity",
            "scope_kind": "team",
            "scope_id": w["team"].pk,
            "role": "I",
            "assignee_user": UserFactory(username=f"informed-{n}").pk,
            "reason": "kept told",
        },
    ),
    ("post", "/api/v1/requests/"): lambda w, n: (
        "user",
        {},
        {
            "kind": "exception",
            "identity": IdentityFactory(team=w["team"], platform=w["platform"], status="active").pk,
            "duration_hours": 24,
            "justification": "legacy",
            "excepted_policy": "rotation",
            "scope": "deploy key",
            "compensating_controls": "allow-list",
        },
    ),
    ("post", "/api/v1/requests/{id}/decide/"): lambda w, n: (
        "owner",
        {"id": w["request"].pk},
        {"outcome": "approve", "comment": "fine"},
    ),
    ("post", "/api/v1/grants/{id}/revoke/"): lambda w, n: (
        "user",
        {"id": w["grant"].pk},
        {"reason": "no longer needed"},
    ),
    ("post", "/api/v1/reviews/campaigns/"): lambda w, n: (
        "user",
        {},
        {"name": f"Q{n}", "starts_on": future_date(3), "due_on": future_date(30)},
    ),
    ("post", "/api/v1/reviews/schedules/"): lambda w, n: ("user", {}, {"name": f"Sched {n}"}),
    ("post", "/api/v1/reviews/items/{id}/decide/"): lambda w, n: (
        "reviewer",
        {"id": w["items"][0].pk},
        {"decision": "keep", "comment": "still needed"},
    ),
    ("post", "/api/v1/reviews/items/{id}/reassign/"): lambda w, n: (
        "user",
        {"id": w["items"][1].pk},
        {"reviewer": w["user"].pk, "reason": "on leave"},
    ),
    ("patch", "/api/v1/usage/signals/{id}/"): lambda w, n: (
        "owner",
        {"id": w["signal"].pk},
        {"note": f"checked {n}"},
    ),
}
