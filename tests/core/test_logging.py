"""Structured logs: JSON lines with the request id, ids of writes, and no secret values."""

import io
import json
import logging

import pytest

from core.observability import JsonFormatter, RequestIdFilter, request_id_var
from core.services import api_token_create
from tests.factories import PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_logs():
    """The production handler (settings.LOGGING with LOG_FORMAT=json) on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[str]:
        return [line for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture
def team(engineer):
    return TeamFactory(slug="payments", name="Payments", members=[engineer])


def onboarding(team, **overrides):
    platform = PlatformFactory(slug="prod-k8s", owning_team=team)
    return {
        "name": "etl-runner",
        "kind": "workload",
        "external_id": "etl/runner",
        "team": team.slug,
        "platform": platform.slug,
        "environment": "staging",
        "purpose": "Nightly ETL of the ledger into the warehouse.",
        "entitlements": ["warehouse:read"],
        **overrides,
    }


def test_every_line_of_a_request_is_json_with_its_request_id(
    json_logs, api_client, engineer, team, governed
):
    _, raw = api_token_create(user=engineer, name="ci", days=7)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.post("/api/v1/identities/", onboarding(team), format="json")
    assert response.status_code == 201, response.content
    request_id = response["X-Request-ID"]
    records = [json.loads(line) for line in json_logs()]  # every line parses
    assert records
    assert {r["request_id"] for r in records} == {request_id}
    writes = {r["action"]: r for r in records if "action" in r}
    assert writes["identity.register"]["user_id"] == engineer.pk
    assert writes["identity.register"]["object_type"] == "identities.Identity"
    assert writes["identity.register"]["object_id"] == response.json()["id"]
    assert writes["request.submit"]["user_id"] == engineer.pk
    access = [r for r in records if r["logger"] == "steward.requests"]
    assert access[-1]["status"] == 201 and access[-1]["user_id"] == engineer.pk


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f2a9c4e-8b1d-4c7e-9a6f-2d5b8e1c0a47", True),
        ("lb-0001-abcdef", True),
        ("short", False),
        ("evil\ninjected-line-0000", False),
        ('x" , "level": "CRITICAL', False),
        ("a" * 200, False),
    ],
)
def test_incoming_request_id_is_kept_only_when_well_formed(client, incoming, kept):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert (response["X-Request-ID"] == incoming) is kept
    assert len(response["X-Request-ID"]) >= 8


def test_no_token_or_secret_value_is_ever_logged(
    json_logs, api_client, client, engineer, team, governed
):
    _, raw = api_token_create(user=engineer, name="ci", days=7)
    secret = "ghp_" + "a1B2" * 9  # a GitHub token's shape
    bogus = "stw_" + "Z" * 40
    # A bad token, a good token with a secret in a free-text field (refused), and a secret
    # in the query string and a header of a page request.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {bogus}")
    assert api_client.get(f"/api/v1/identities/?api_key={secret}").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.post(
        "/api/v1/identities/",
        onboarding(team, purpose=f"uses key {secret}"),
        format="json",
    )
    assert response.status_code == 400
    client.post("/accounts/login/", {"username": engineer.username, "password": secret})
    client.get(f"/nowhere/?token={raw}", HTTP_X_API_KEY=secret)
    logging.getLogger("steward.test").warning("header was Bearer %s and key %s", raw, secret)
    logged = "\n".join(json_logs())
    assert "Unauthorized: /api/v1/identities/" in logged  # the requests did log
    for value in (raw, bogus, secret):
        assert value not in logged
    assert "[redacted]" in logged


def test_request_id_is_carried_into_a_task_enqueued_during_the_request():
    """The publish side: the id goes into the task message headers (before_task_publish)."""
    from celery.signals import before_task_publish

    from core.tasks import heartbeat

    seen = {}

    def grab(headers=None, **kwargs):
        seen.update(headers or {})

    before_task_publish.connect(grab, weak=False)
    token = request_id_var.set("req-carried-0001")
    try:
        heartbeat.apply_async(queue="test-never-consumed")
    finally:
        request_id_var.reset(token)
        before_task_publish.disconnect(grab)
    assert seen["steward_request_id"] == "req-carried-0001"


def test_production_settings_log_json_and_development_plain():
    import os
    import subprocess
    import sys

    code = "from django.conf import settings as s; print(s.LOGGING['handlers']['console']"
    code += "['formatter'])"

    def formatter(**env):
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip

    assert formatter(STEWARD_ENV="development") == "plain"
    assert formatter(
        STEWARD_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="a.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/x"),
    ) == "json"  # fmt: skip
