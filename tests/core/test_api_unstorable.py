"""What PostgreSQL cannot store or compare is a 400 at the API's door, never a 500: NUL
characters and unpaired surrogates in JSON bodies and query strings, and date offsets
PostgreSQL refuses in filters (found by the whole-API schemathesis run)."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["plat\u0000form", "lone \udad8 surrogate"])
def test_a_body_with_unstorable_text_is_a_400(api_client, admin_user, bad):
    api_client.force_authenticate(admin_user)
    response = api_client.post(
        "/api/v1/ownership/domains/",
        data=json.dumps({"key": "x", "name": bad}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_query_value_with_a_nul_is_a_400_naming_it(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.get("/api/v1/grants/", {"identity": "1", "team": "a\u0000b"})
    assert response.status_code == 400 and "team" in response.json()


def test_an_offset_postgres_refuses_is_compared_in_utc(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.get("/api/v1/grants/", {"expires_after": "9111-06-28T09:18:23-19:28"})
    assert response.status_code == 200
