"""Issue 15.9: an API token's expiry stays within its cap on every path — admin, ORM, SQL."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import ApiToken
from core.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_api_token_expiry_is_capped_in_admin(superuser_client, engineer):
    token, _ = api_token_create(user=engineer, name="ci", days=30)
    url = f"/admin/core/apitoken/{token.pk}/change/"
    data = {"name": "ci", "expires_at_0": "2099-01-01", "expires_at_1": "00:00:00"}
    response = superuser_client.post(url, {**data, "revoked_at_0": "", "revoked_at_1": ""})
    assert response.status_code == 200  # the form again, with the error
    assert "within 90 days" in response.content.decode()
    token.refresh_from_db()
    assert token.expires_at < timezone.now() + dt.timedelta(days=31)
    assert superuser_client.get("/admin/core/apitoken/add/").status_code == 403


def test_api_token_admin_may_shorten_the_expiry(superuser_client, engineer):
    token, _ = api_token_create(user=engineer, name="ci", days=30)
    soon = timezone.now() + dt.timedelta(days=1)
    response = superuser_client.post(
        f"/admin/core/apitoken/{token.pk}/change/",
        {
            "name": "ci",
            "expires_at_0": soon.strftime("%Y-%m-%d"),
            "expires_at_1": soon.strftime("%H:%M:%S"),
            "revoked_at_0": "",
            "revoked_at_1": "",
        },
    )
    assert response.status_code == 302, response.content
    token.refresh_from_db()
    assert token.expires_at < timezone.now() + dt.timedelta(days=2)


def test_api_token_model_refuses_an_expiry_past_the_cap(engineer):
    token, _ = api_token_create(user=engineer, name="ci", days=ApiToken.MAX_DAYS)
    token.expires_at = token.created_at + dt.timedelta(days=ApiToken.MAX_DAYS, seconds=1)
    with pytest.raises(ValidationError, match="within 90 days"):
        token.save()
    token.created_at = timezone.now() + dt.timedelta(days=3650)  # moving creation is no way out
    token.expires_at = token.created_at + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="future"):
        token.save()


def test_api_token_expiry_cap_holds_in_the_database(engineer):
    token, _ = api_token_create(user=engineer, name="ci", days=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at)
