"""Acceptance (issue 15): no secret value reaches the database through any text field the
API or the pages expose.

The fields are enumerated, not listed: the API's from drf-spectacular's schema (every string
in the JSON request body of each POST/PUT/PATCH operation, nested objects and arrays
included), the pages' from the HTML of every page of the project's URL patterns (every text
input and textarea of every POST form, htmx forms included). Each field gets each provider's
key shape and its encodings, with an extra unknown key carrying it as well; then a `pg_dump`
of the test database — history, sessions and outbox included — must hold none of them.
Every operation gets a body that is valid apart from the planted field (`BODIES`), and that
body without the plant is accepted, so a missing guard would have stored the key.
"""

import datetime as dt
import itertools
import re
import shutil
import subprocess

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from approvals.services import request_submit
from connectors.models import PlatformConnector, RevocationJob
from core.text_guard import Rule, field_rule, is_guarded
from lifecycle.reviews.services import campaign_create
from runtime.models import TrustedIssuer
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
    PlatformFactory,
    TeamFactory,
    UserFactory,
)
from tests.page_forms import PostForms
from tests.url_walk import _walk
from tests.usage.conftest import add_series
from usage.detectors import detect
from usage.models import Signal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

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


# --- the world the plants are aimed at ------------------------------------------------
@pytest.fixture
def world(governed, owner):
    """An admin who is also an engineer of the team, the owner (global A of every domain),
    an identity with credentials, a pending request, an active grant, an open usage signal
    and a launched review campaign."""
    from tests.approvals_helpers import approved_exception

    user = UserFactory(username="sam-admin-engineer", groups=["admins", "engineers"])
    team = TeamFactory(slug="payments", members=[user, owner])
    platform = PlatformFactory(slug="prod-k8s", owning_team=team)
    identity = IdentityFactory(team=team, platform=platform, status="active")
    other = IdentityFactory(team=team, platform=platform, status="active")
    now = timezone.now()
    grant = approved_exception(other, now - dt.timedelta(minutes=5))
    pending = request_submit(
        actor=user, kind="exception", identity=identity, now=now, requested_start=now,
        requested_end=now + dt.timedelta(days=7), justification="legacy client",
        excepted_policy="rotation", scope="the deploy key", compensating_controls="allow-list",
    )  # fmt: skip
    add_series(other, [10] * 12 + [300], end=timezone.localdate())
    detect(start=timezone.localdate(), end=timezone.localdate())
    campaign = campaign_create(
        actor=user,
        name="Launch",
        starts_on=timezone.localdate(),
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    items = list(campaign.items.order_by("pk"))
    return {
        "user": user,
        "owner": owner,
        "domains": governed,
        "reviewer": items[0].reviewer,
        "items": items,
        "campaign": campaign,
        "signal": Signal.objects.get(),
        "team": team,
        "platform": platform,
        "identity": identity,
        "credentials": [CredentialFactory(identity=identity) for _ in range(3)],
        "grant": grant,
        "request": pending,
        "issuer": TrustedIssuer.objects.create(
            platform=platform, name="Cluster", issuer="https://cluster.example.com",
            audience="steward", jwks_url="https://cluster.example.com/jwks.json",
            algorithms=["RS256"],
        ),
        "n": itertools.count(),
    }


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


def _future(days: int) -> str:
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
        {"name": f"Q{n}", "starts_on": _future(3), "due_on": _future(30)},
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


# --- the API: fields from the schema ----------------------------------------------------
def _schema_string_paths(schema) -> dict[tuple[str, str], list[tuple]]:
    components = schema["components"]["schemas"]

    def resolve(node):
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def walk(node, path):
        node = resolve(node)
        for part in node.get("allOf", []):
            yield from walk(part, path)
        if node.get("readOnly"):
            return
        if node.get("type") == "object" or "properties" in node:
            for name, sub in node.get("properties", {}).items():
                yield from walk(sub, (*path, name))
        elif node.get("type") == "array":
            yield from walk(node.get("items", {}), (*path, 0))
        elif node.get("type") == "string" and "enum" not in node and node.get("format") not in (
            "date", "date-time", "decimal", "uuid"
        ):  # fmt: skip
            yield path

    out = {}
    for route, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            fields = list(walk(body["schema"], ())) if body else []
            if fields:
                out[(method, route)] = fields
    return out


def _planted(body: dict, path: tuple, value: str) -> dict:
    body = {**body, "note_for_the_guard": value}
    node, *rest = path
    if not rest:
        body[node] = value
    elif rest == [0]:
        body[node] = [*body.get(node, []), value]
    else:
        body[node] = _planted(dict(body.get(node) or {}), tuple(rest), value)
        body[node].pop("note_for_the_guard")
    return body


SLUG_FIELDS = {"team", "platform", "owning_team", "assignee_team", "domain", "key"}


def plant_api(world, plants=PLANTS) -> int:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    targets = _schema_string_paths(schema)
    missing = sorted(k for k in targets if k not in BODIES)
    assert not missing, f"Give these operations a valid body in BODIES: {missing}"
    clients = {who: APIClient() for who in ("user", "owner", "reviewer")}
    for who, client in clients.items():
        client.force_authenticate(world[who])
    sent = 0
    for (method, route), fields in targets.items():
        build = BODIES[(method, route)]
        for path, value in itertools.product(fields, plants.values()):
            if path[0] in SLUG_FIELDS:  # references by slug: a secret there finds nothing
                continue
            who, ids, body = build(world, next(world["n"]))
            url = route.format(**ids)
            response = getattr(clients[who], method)(url, _planted(body, path, value), "json")
            assert response.status_code < 500, (route, path, response.status_code)
            sent += 1
        # The same body without the plant is accepted: the plants aimed at a real write.
        who, ids, body = build(world, next(world["n"]))
        response = getattr(clients[who], method)(route.format(**ids), body, "json")
        assert response.status_code in (200, 201), (route, response.content)
    return sent


# --- the pages: fields from the rendered forms ------------------------------------------
SKIP_PAGES = re.compile(r"^/(admin|api|accounts|static|healthz|logout)")


def page_urls(world) -> set[str]:
    """Each URL pattern filled with the ids of the objects in `world` that fit it."""
    objects = (world["identity"], world["request"], world["grant"], world["signal"],
               world["campaign"], *world["items"][:2], *world["credentials"])  # fmt: skip
    ids = {str(v.pk) for v in objects}

    domain = world["domains"]["identity"]
    # Patterns whose string arguments the walk cannot guess: reached with real values.
    urls = {
        *(f"/approvals/identities/{world['identity'].pk}/request/{kind}/"
          for kind in ("exception", "emergency")),
        *(f"/approvals/grants/{world['grant'].pk}/{action}/" for action in ("revoke", "review")),
        f"/ownership/matrix/cell/{domain.pk}/team/{world['team'].pk}/",
        f"/ownership/matrix/cell/{domain.pk}/global/0/",
    }  # fmt: skip
    for _, url in _walk(get_resolver().url_patterns):
        if SKIP_PAGES.match(url):
            continue
        if "/1/" in url or url.endswith("/1"):
            urls |= {url.replace("/1/", f"/{i}/") for i in ids}
        else:
            urls.add(url)
    return urls


def plant_pages(world, plants=PLANTS) -> int:
    sent, forms_seen = 0, set()
    clients = {who: Client() for who in ("user", "owner", "reviewer")}
    for who, client in clients.items():
        client.force_login(world[who])
    for client, url in itertools.product(clients.values(), sorted(page_urls(world))):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = PostForms(default_date=_future(7))
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = form["action"] or url
            key = (re.sub(r"\d+", "N", action), tuple(sorted(form["text"])))
            if not form["text"] or key in forms_seen or SKIP_PAGES.match(action):
                continue
            forms_seen.add(key)
            for field, value in itertools.product(form["text"], plants.values()):
                data = {**form["data"], field: value, "note_for_the_guard": value}
                posted = client.post(action, data)
                assert posted.status_code < 500, (action, field, posted.status_code)
                sent += 1
    assert len(forms_seen) >= 18, sorted(forms_seen)  # each POST form of the pages, once
    return sent


def pg_dump() -> str:
    settings = connection.settings_dict
    command = [
        shutil.which("pg_dump") or "pg_dump", "--data-only", "--no-owner",
        "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),
        "-U", settings["USER"], settings["NAME"],
    ]  # fmt: skip
    env = {"PGPASSWORD": settings.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


def test_no_planted_secret_reaches_the_database(world):
    assert shutil.which("pg_dump"), "pg_dump is needed"
    api_sent = plant_api(world)
    page_sent = plant_pages(world)
    assert api_sent > 500 and page_sent > 200
    dump = pg_dump()
    assert "payments" in dump  # the dump is of the database the requests wrote to
    leaked = sorted(needle for needle in needles() if needle in dump)
    assert not leaked, leaked


def test_control_characters_and_over_long_text_are_refused_not_500s(world):
    """Issue 15.12: every text field of the API and the pages answers a line break, a NUL or
    an over-long value with a validation error (or keeps it where it may), never a 5xx."""
    plants = {
        "header injection": "refund-bot\r\nBcc: everyone@example.com",
        "nul": "refund\x00bot",
        "over-long": "x" * 20_000,
    }
    assert plant_api(world, plants) > 50
    assert plant_pages(world, plants) > 50
    broken = []
    for model in apps.get_models():
        if not is_guarded(model):
            continue
        for field in model._meta.concrete_fields:
            if field_rule(model, field) in (Rule.LINE, Rule.IDENTIFIER):
                rows = model._default_manager.filter(
                    Q(**{f"{field.name}__contains": "\n"}) | Q(**{f"{field.name}__contains": "\r"})
                )
                if rows.exists():
                    broken.append(f"{model._meta.label}.{field.name}")
    assert not broken, broken
