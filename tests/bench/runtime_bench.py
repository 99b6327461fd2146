"""Figure 7: the token service under load — token exchange (RFC 7523 jwt-bearer) and
introspection (RFC 7662) over HTTP against gunicorn, with the load tool of figure 6, beside
a loop doing the same JWT verification and signing in-process (the limit).

Generation (called by generate.py, a few seconds at full scale): a trusted issuer on the
platform with most federable identities, its key derived from a fixed seed (so `--reuse`
needs no file), the runtime policy gating `GATED_SCOPE` behind a grant (every other generated
exception asks for it), and a month of past exchanges and issued tokens for those identities
(COPY, no history or ledger, like the rest of the generated rows)."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
import uuid
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db.models import Count, Q
from joserfc import jwk, jwt

GATED_SCOPE = "bench:deploy"
BENCH_ISSUER = "https://bench-cluster.steward.invalid"
BENCH_AUDIENCE = "steward-bench"
BENCH_KID = "bench-issuer-1"
TARGET = "≥ 0.3x the in-process JWT loop"
FEDERATED = 200  # identities whose workloads exchange proofs in the load
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FLOOR_PATH = "/oauth/bench-floor"  # tests/bench/floor_urls.py


def bench_issuer_key() -> jwk.ECKey:
    private = ec.derive_private_key(0x5EED20260101, ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return jwk.ECKey.import_key(pem, parameters={"kid": BENCH_KID, "alg": "ES256"})


def _federable(now):
    """Active identities that may get tokens now: not ended, no ownership gap."""
    from governance.selectors import gap_identity_ids
    from identities.models import Identity

    return (
        Identity.objects.filter(status="active")
        .filter(Q(ends_on=None) | Q(ends_on__gt=now.date()))
        .exclude(pk__in=list(gap_identity_ids()))
    )


def _live_grants(now):
    from approvals.models import Grant

    return Grant.objects.filter(
        status="active",
        starts_at__lte=now,
        expires_at__gt=now,
        request__scopes__contains=[GATED_SCOPE],
    )


def _issuer_and_policy(platform):
    """The bench issuer on `platform`, and the runtime policy gating GATED_SCOPE."""
    from core.history import stamp
    from core.system import system_user
    from runtime.models import TrustedIssuer
    from runtime.policy import current_policy

    system = system_user()
    issuer = TrustedIssuer(
        platform=platform,
        name="Bench cluster",
        issuer=BENCH_ISSUER,
        audience=BENCH_AUDIENCE,
        jwks={"keys": [bench_issuer_key().as_dict(private=False)]},
        algorithms=["ES256"],
        subject_claim="sub",
        subject_mapping="exact",
        max_proof_lifetime_seconds=3600,
    )
    issuer.full_clean()
    stamp(issuer, actor=system, reason="bench issuer")
    issuer.save()
    policy = current_policy()
    policy.grant_scopes = [GATED_SCOPE]
    stamp(policy, actor=system, reason="bench: deploys need a grant")
    policy.save()
    return issuer, policy


def generate_runtime(*, rng, now, tokens: int) -> dict:
    from identities.models import Platform
    from runtime.models import IssuedToken, TokenExchange

    from .copying import copy_rows, next_id, reset_sequence

    federable = _federable(now)
    gated = set(_live_grants(now).values_list("identity_id", flat=True))
    by_platform = (
        federable.values("platform_id")
        .annotate(n=Count("pk", filter=Q(pk__in=gated)), all=Count("pk"))
        .order_by("-n", "-all")
        .first()
    )
    platform = Platform.objects.get(pk=by_platform["platform_id"])
    issuer, policy = _issuer_and_policy(platform)
    ids = list(federable.filter(platform=platform).values_list("pk", "external_id")[:FEDERATED])
    x0, t0 = next_id(TokenExchange), next_id(IssuedToken)
    ex_rows, tok_rows = [], []
    for n in range(tokens if ids else 0):
        identity, external_id = ids[n % len(ids)]
        at = now - dt.timedelta(seconds=rng.randint(3600, 30 * 86400))
        ex_rows.append(
            (x0 + n, JWT_BEARER, policy.pk, policy.version, issuer.pk, BENCH_ISSUER,
             external_id, identity, None, "[]", "steward", "issued", "",
             '["token lifetime bounded by the policy lifetime"]', at)
        )  # fmt: skip
        tok_rows.append(
            (t0 + n, uuid.uuid4().hex, x0 + n, identity, None, '["read"]', "steward",
             "bench-old-key", at, at + dt.timedelta(minutes=15), None, None, "")
        )  # fmt: skip
    ex_cols = ["id", "grant_type", "policy_id", "policy_version", "issuer_id", "claimed_issuer",
               "subject", "identity_id", "grant_id", "requested_scopes", "audience", "outcome",
               "error", "reasons", "evaluated_at"]  # fmt: skip
    tok_cols = ["id", "jti", "exchange_id", "identity_id", "grant_id", "scopes", "audience",
                "kid", "issued_at", "expires_at", "revoked_at", "revoked_by_id",
                "revoke_reason"]  # fmt: skip
    counts = {"token exchanges": copy_rows(TokenExchange, ex_cols, ex_rows)}
    counts["issued tokens"] = copy_rows(IssuedToken, tok_cols, tok_rows)
    reset_sequence(TokenExchange)
    reset_sequence(IssuedToken)
    counts["federated identities"] = len(ids)
    return counts


# --- measuring ------------------------------------------------------------------------------
def _bodies(now) -> tuple[list[str], int]:
    """One jwt-bearer request body per federated identity, signed now; identities holding a
    live grant ask for the gated scope too. Returns the bodies and how many are gated."""
    from runtime.models import TrustedIssuer

    issuer = TrustedIssuer.objects.get(issuer=BENCH_ISSUER)
    gated = set(_live_grants(now).values_list("identity_id", flat=True))
    key = bench_issuer_key()
    bodies, n_gated = [], 0
    rows = _federable(now).filter(platform=issuer.platform_id)
    for pk, external_id, entitlements in rows.values_list("pk", "external_id", "entitlements")[
        :FEDERATED
    ]:
        scopes = [e for e in entitlements if e != GATED_SCOPE][:1]
        if pk in gated:
            scopes.append(GATED_SCOPE)
            n_gated += 1
        claims = {
            "iss": BENCH_ISSUER,
            "aud": BENCH_AUDIENCE,
            "sub": external_id,
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + 3000,
        }
        proof = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key, algorithms=["ES256"])
        form = {"grant_type": JWT_BEARER, "assertion": proof, "scope": " ".join(scopes)}
        bodies.append(urlencode(form))
    return bodies, n_gated


def _rate(fn, seconds: float) -> float:
    """Calls of `fn(i)` per second over `seconds` in this process."""
    deadline, n, started = time.perf_counter() + seconds, 0, time.perf_counter()
    while time.perf_counter() < deadline:
        fn(n)
        n += 1
    return n / (time.perf_counter() - started)


def _exchange_loop(bodies):
    """Per call what the endpoint does in JOSE: verify the proof, sign the access token."""
    from urllib.parse import parse_qs

    from runtime import keys

    proofs = [parse_qs(b)["assertion"][0] for b in bodies]
    public = jwk.ECKey.import_key(bench_issuer_key().as_dict(private=False))
    signing = keys.current_key()
    header = {"alg": keys.SIGNING_ALG, "kid": signing.kid, "typ": "at+jwt"}

    def one(i):
        claims = jwt.decode(proofs[i % len(proofs)], public, algorithms=["ES256"]).claims
        jwt.encode(header, {**claims, "jti": uuid.uuid4().hex}, signing.key, algorithms=["ES256"])

    return one


def _introspect_loop(tokens):
    from runtime import keys

    def one(i):
        jwt.decode(tokens[i % len(tokens)], keys.verification_keyset(), algorithms=["ES256"])

    return one


def _mint(bodies, n: int) -> list[str]:
    """Live Steward tokens to introspect, issued through the service (committed)."""
    from urllib.parse import parse_qs

    from runtime.services import token_exchange

    out = []
    for i in range(n):
        data = {k: v[0] for k, v in parse_qs(bodies[i % len(bodies)]).items()}
        out.append(token_exchange(data=data)["access_token"])
    return out


def _server_env(settings) -> dict:
    """gunicorn signs and verifies with this process's key file and issuer name; its
    settings add the floor's constant endpoint (tests/bench/floor_urls.py)."""
    return {
        "DJANGO_SETTINGS_MODULE": "tests.bench.floor_settings",
        "STEWARD_SIGNING_KEYS_FILE": str(settings.RUNTIME_SIGNING_KEYS_FILE),
        "STEWARD_TOKEN_ISSUER": settings.RUNTIME_ISSUER,
    }


def _cases(admin) -> list[tuple]:
    """(name, path, bodies, headers, in-process loop, its name) of the two endpoints, and of
    the floor: the introspection's requests answered with a constant (no target)."""
    import base64

    from django.utils import timezone

    from runtime.services import resource_server_create

    bodies, n_gated = _bodies(timezone.now())
    tokens = _mint(bodies, 50)
    server, secret = resource_server_create(
        actor=admin, name="bench gateway", client_id=f"bench-{uuid.uuid4().hex[:8]}"
    )
    basic = base64.b64encode(f"{server.client_id}:{secret}".encode()).decode()
    introspections = [urlencode({"token": t}) for t in tokens]
    return [
        (
            f"token exchange ({len(bodies)} identities, {n_gated} under a grant)",
            "/oauth/token",
            bodies,
            {},
            _exchange_loop(bodies),
            "verify the proof + sign the token, one process",
        ),
        (
            "introspection (live tokens, resource server)",
            "/oauth/introspect",
            introspections,
            {"Authorization": f"Basic {basic}"},
            _introspect_loop(tokens),
            "verify the token, one process",
        ),
        (
            "floor: the introspection's requests answered with a constant (no JOSE, no SQL)",
            FLOOR_PATH,
            introspections,
            {"Authorization": f"Basic {basic}"},
            _introspect_loop(tokens),
            "verify the token, one process",
        ),
    ]


def _queries(path: str, body: str, headers: dict) -> int:
    """Queries one request makes through Django in this process, its caches warm (the
    connection health check's SELECT 1 aside: it bypasses the query log)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    client.post(path, body, content_type="application/x-www-form-urlencoded", **meta)
    with CaptureQueriesContext(connection) as captured:
        client.post(path, body, content_type="application/x-www-form-urlencoded", **meta)
    return len(captured)


def measure_runtime(repeat: int, database_url: str, seconds: int) -> list[dict]:
    from django.conf import settings

    from .figures.common import figure
    from .figures.load import gunicorn, load_tool, warm_up
    from .generate import bench_user

    cases = _cases(bench_user("bench-admin"))
    tool, load = load_tool()
    workers = max(2, os.cpu_count() or 2)
    out = []
    with gunicorn(database_url, workers, env=_server_env(settings)) as base_url:
        for name, path, case_bodies, headers, loop, baseline_name in cases:
            url = base_url + path
            warm_up(url, workers, bodies=case_bodies, headers=headers)
            served, limit, bad = [], [], 0
            for _ in range(repeat):  # interleaved, so drift hits both alike
                limit.append(_rate(loop, seconds))
                r = load(url, None, seconds, 4, bodies=case_bodies, headers=headers)
                served.append(r["rps"])
                bad += r["non_2xx"]
            rps, base = statistics.median(served), statistics.median(limit)
            queries = _queries(path, case_bodies[0], headers) if path != FLOOR_PATH else 0
            floor = path == FLOOR_PATH  # no target: what any endpoint here can reach
            out.append(
                figure(
                    "7",
                    f"HTTP {name}, {queries} quer{'y' if queries == 1 else 'ies'}",
                    round(rps, 1),
                    round(base, 1),
                    "req/s",
                    ratio=rps / base,
                    target="— (the floor: no target)" if floor else TARGET,
                    ok=None if floor else rps / base >= 0.3 and not bad,
                    tool=tool,
                    workers=workers,
                    connections=4,
                    seconds=seconds,
                    non_2xx=bad,
                    queries=queries,
                    baseline_name=baseline_name,
                    runs=[round(r, 1) for r in served],
                    baseline_runs=[round(r, 1) for r in limit],
                )
            )
    return out
