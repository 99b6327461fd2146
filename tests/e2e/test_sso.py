"""Single sign-on end to end against a real OpenID Connect provider (node's oidc-provider,
tests/oidc/provider.mjs) on 127.0.0.1, in Chromium: sign in, roles and team from the groups
claim, sign-out ending the provider's session, a removed group gone at the next sign-in."""

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from core.roles import ADMINS, ENGINEERS
from tests.conftest import IN_CI
from tests.factories import TeamFactory
from tests.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "steward-test", "steward-test-client-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def provider(tmp_path, live_server, settings):
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        if IN_CI:
            pytest.fail("node or tests/oidc/node_modules missing: .ci/run must `npm ci` there")
        pytest.skip("run `npm ci` in tests/oidc to test single sign-on")
    port = _free_port()
    accounts = tmp_path / "accounts.json"
    log = tmp_path / "provider.log"
    issuer = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [node, str(OIDC_DIR / "provider.mjs")],
        cwd=OIDC_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "PORT": str(port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": f"{live_server.url}/oidc/callback/",
            "POST_LOGOUT_REDIRECT_URI": f"{live_server.url}/accounts/login/",
            "ACCOUNTS_FILE": str(accounts),
        },
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: "READY" in log.read_text() or proc.poll() is not None, timeout=20)
        assert "READY" in log.read_text(), log.read_text()
        settings.OIDC_ENABLED = True
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/auth"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/me"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
        settings.OIDC_OP_END_SESSION_ENDPOINT = f"{issuer}/session/end"
        # as config/settings/security.py does with SSO on: sign-out's form may redirect to the IdP
        settings.CONTENT_SECURITY_POLICY = {
            "DIRECTIVES": {
                **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                "form-action": ["'self'", issuer],
            }
        }
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "identities.sso.StewardOIDCBackend",
        ]

        def set_groups(login: str, groups: list[str]) -> None:
            accounts.write_text(
                json.dumps({login: {"email": f"{login}@example.com", "name": "Pat Lee",
                                    "groups": groups}})
            )  # fmt: skip

        yield set_groups
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _sso_sign_in(page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with single sign-on").click()
    page.wait_for_url("http://127.0.0.1:*/interaction/**")  # the provider's own sign-in form
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/")


def test_sso_maps_roles_and_team_ends_the_provider_session_and_drops_removed_groups(
    page, provider, screenshot
):
    team = TeamFactory(name="Payments", slug="payments")
    provider("pat", ["steward-admins", "team:payments", "someone-elses-group"])

    _sso_sign_in(page, "pat")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    pat = get_user_model().objects.get(username="pat")
    assert set(pat.groups.values_list("name", flat=True)) == {ADMINS, team.group.name}
    assert pat.email == "pat@example.com"
    assert not pat.has_usable_password()
    assert page.locator(".role").inner_text() == "Admin"
    screenshot("sso-signed-in")

    page.get_by_role("button", name="Sign out").click()
    # The provider asks to confirm ending its own session (RP-initiated logout).
    page.locator("button[autofocus], button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/**")

    provider("pat", ["steward-engineers"])  # removed from admins and the team in the IdP
    _sso_sign_in(page, "pat")  # the provider's login form again: its session had ended
    pat.refresh_from_db()
    assert set(pat.groups.values_list("name", flat=True)) == {ENGINEERS}
    assert page.locator(".role").inner_text() == "Engineer"
