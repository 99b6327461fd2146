"""Planting secrets in every text field: the API's fields enumerated from the schema, the
pages' from the rendered POST forms; and the `pg_dump` that must not hold them."""

import itertools
import re
import shutil
import subprocess

from django.db import connection
from django.test import Client
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.page_forms import PostForms
from tests.secret_plants import BODIES, PLANTS, future_date
from tests.url_walk import _walk


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
        parser = PostForms(default_date=future_date(7))
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
