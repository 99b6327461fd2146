from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import ApiToken
from core.services import api_token_create, api_token_revoke
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_authenticates(api_client, engineer):
    token, raw = api_token_create(user=engineer, name="ci", days=30)
    assert raw.startswith("stw_")
    assert raw not in (token.digest, token.key_prefix)
    assert token.digest == ApiToken.hash(raw)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/schema/").status_code == 200


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown"])
def test_unusable_token_is_refused(api_client, engineer, state):
    token, raw = api_token_create(user=engineer, name="ci", days=30)
    if state == "revoked":
        api_token_revoke(user=engineer, token_id=token.pk)
    elif state == "expired":
        past = timezone.now() - timedelta(days=2)
        ApiToken.objects.filter(pk=token.pk).update(
            created_at=past, expires_at=past + timedelta(days=1)
        )
    else:
        raw = ApiToken.generate()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/schema/").status_code == 401


def test_token_lifetime_is_bounded(engineer):
    with pytest.raises(ValidationError):
        api_token_create(user=engineer, name="forever", days=3650)


def test_user_cannot_revoke_someone_elses_token(engineer, owner):
    token, _ = api_token_create(user=engineer, name="ci", days=1)
    with pytest.raises(ValidationError):
        api_token_revoke(user=owner, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_page_shows_new_token_once(client, engineer):
    client.force_login(engineer)
    response = client.post("/me/", {"name": "deploy", "days": 7, "password": PASSWORD})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.encode() in response.content
    assert raw.encode() not in client.get("/me/").content


def test_profile_form_rejects_bad_input_and_keeps_it(client, engineer):
    client.force_login(engineer)
    response = client.post("/me/", {"name": "deploy", "days": 0})
    assert response.status_code == 400
    assert b"deploy" in response.content
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("password", ["", "not-my-password"])
def test_minting_a_token_needs_the_current_password(client, engineer, password):
    client.force_login(engineer)
    response = client.post("/me/", {"name": "deploy", "days": 7, "password": password})
    assert response.status_code == 400
    assert "new_token" not in response.context
    assert not ApiToken.objects.exists()


def test_wrong_passwords_on_the_token_form_count_towards_lockout(client, engineer, settings):
    from axes.models import AccessAttempt

    client.force_login(engineer)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/me/", {"name": "deploy", "days": 7, "password": "guess"})
    assert AccessAttempt.objects.filter(username=engineer.username).exists()
    # Locked now: even the right password mints nothing.
    response = client.post("/me/", {"name": "deploy", "days": 7, "password": PASSWORD})
    assert response.status_code in (400, 429)
    assert not ApiToken.objects.exists()


def test_sso_user_mints_a_token_only_right_after_signing_in(client, engineer, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from core.sessions import SessionLimitsMiddleware

    engineer.set_unusable_password()
    engineer.save()
    now = timezone.now()
    monkeypatch.setattr(SessionLimitsMiddleware, "clock", staticmethod(lambda: now))
    client.force_login(engineer)  # stamps the sign-in time
    assert client.post("/me/", {"name": "deploy", "days": 7}).status_code == 200
    now += timedelta(minutes=10)
    response = client.post("/me/", {"name": "later", "days": 7})
    assert response.status_code == 400
    assert b"sign in again with single sign-on" in response.content
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["deploy"]
