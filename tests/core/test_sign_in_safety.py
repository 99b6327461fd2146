"""Local accounts: lockout (django-axes), session idle/absolute limits, password change."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.sessions import SessionLimitsMiddleware
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


def _sign_in(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_lockout_after_the_configured_failures_even_with_the_right_password(
    client, admin_user, settings, url
):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        response = _sign_in(client, url, admin_user.username, "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = _sign_in(client, url, admin_user.username, "wrong")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    response = _sign_in(client, url, admin_user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_command_unlocks_a_locked_account(client, engineer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        _sign_in(client, "/accounts/login/", engineer.username, "wrong")
    assert _sign_in(client, "/accounts/login/", engineer.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", engineer.username)
    response = _sign_in(client, "/accounts/login/", engineer.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(engineer.pk)


def test_lockout_is_per_username_and_address(client, engineer, owner, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        _sign_in(client, "/accounts/login/", engineer.username, "wrong")
    assert _sign_in(client, "/accounts/login/", owner.username, PASSWORD).status_code == 302


def test_bearer_token_api_is_unaffected_by_axes(api_client, engineer):
    from core.services import api_token_create

    _, raw = api_token_create(user=engineer, name="ci", days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/identities/").status_code == 200


# --- session limits ---------------------------------------------------------------------
@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = timezone.now()

        def __call__(self):
            return self.now

        def advance(self, **delta):
            self.now += timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(SessionLimitsMiddleware, "clock", staticmethod(fake))
    return fake


def _signed_in(client, user):
    response = _sign_in(client, "/accounts/login/", user.username, PASSWORD)
    assert response.status_code == 302
    return client


def test_idle_session_is_signed_out(client, engineer, settings, clock):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    _signed_in(client, engineer)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=29)  # active 29 minutes ago: still fine
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/identities/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/identities/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert b"period of inactivity" in page.content


def test_active_session_still_ends_at_its_absolute_lifetime(client, engineer, settings, clock):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    settings.SESSION_ABSOLUTE_LIFETIME = timedelta(hours=2)
    _signed_in(client, engineer)
    for _ in range(5):  # busy every 20 minutes for 100 minutes
        clock.advance(minutes=20)
        assert client.get("/").status_code == 200
    clock.advance(minutes=21)
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_api_session_past_its_idle_timeout_gets_401(client, engineer, settings, clock):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=5)
    _signed_in(client, engineer)
    assert client.get("/api/v1/identities/").status_code == 200
    clock.advance(minutes=6)
    assert client.get("/api/v1/identities/").status_code == 401


def test_session_limits_are_env_driven():
    import subprocess
    import sys

    code = (
        "from django.conf import settings as s; print(s.SESSION_IDLE_TIMEOUT.total_seconds(),"
        " s.SESSION_ABSOLUTE_LIFETIME.total_seconds(), s.AXES_FAILURE_LIMIT)"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SESSION_IDLE_MINUTES": "15",
            "SESSION_ABSOLUTE_HOURS": "4",
            "AXES_FAILURE_LIMIT": "7",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["900.0", "14400.0", "7"]


# --- password change --------------------------------------------------------------------
def test_password_change_page_changes_the_password(client, engineer):
    client.force_login(engineer)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-phrase",
            "new_password2": "a-new-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    engineer.refresh_from_db()
    assert engineer.check_password("a-new-long-pass-phrase")


def test_password_change_refuses_a_wrong_old_password(client, engineer):
    client.force_login(engineer)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password1": "a-new-long-pass-phrase",
            "new_password2": "a-new-long-pass-phrase",
        },
    )
    assert response.status_code == 200
    assert b"Your old password was entered incorrectly" in response.content
    engineer.refresh_from_db()
    assert engineer.check_password(PASSWORD)


def test_password_change_needs_a_signed_in_user(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
