"""Styled 403/404/500 pages in every mode; JSON under /api/."""

import pytest
from django.test import RequestFactory

from core.error_views import server_error

DEBUG_PAGE = b"You're seeing this error because you have"


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.django_db
def test_unknown_url_is_the_styled_404(client, engineer, debug):
    client.force_login(engineer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b'class="card error-page"' in response.content
    assert b'id="mainnav"' in response.content  # the base layout, with its navigation
    assert DEBUG_PAGE not in response.content


@pytest.mark.django_db
def test_missing_object_is_the_styled_404(client, engineer, debug):
    client.force_login(engineer)
    response = client.get("/identities/987654/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert DEBUG_PAGE not in response.content


@pytest.mark.django_db
def test_refused_page_is_the_styled_403(client, engineer, debug):
    client.force_login(engineer)
    response = client.get("/evidence/")
    assert response.status_code == 403
    assert b"You do not have access to this page" in response.content
    assert b"Engineer" in response.content  # says which role was refused
    assert DEBUG_PAGE not in response.content


@pytest.mark.django_db
def test_anonymous_404_renders_without_navigation(client, debug):
    response = client.get("/no-such-page/")
    # Anonymous users are sent to sign in first, unless no URL matched at all.
    assert response.status_code in (302, 404)
    if response.status_code == 404:
        assert b"Page not found" in response.content
        assert b'id="mainnav"' not in response.content


@pytest.mark.django_db
def test_api_paths_answer_json(client, admin_user, debug):
    client.force_login(admin_user)
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_500_renders_without_database_or_context_processors():
    # No django_db mark: any query would raise here.
    response = server_error(RequestFactory().get("/identities/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"Go to the dashboard" in response.content


def test_500_under_api_is_json():
    response = server_error(RequestFactory().get("/api/v1/identities/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_htmx_requests_get_a_one_line_fragment_to_show_in_place(client, engineer, debug):
    client.force_login(engineer)
    missing = client.get("/identities/987654/", HTTP_HX_REQUEST="true")
    assert missing.status_code == 404
    assert missing.content == (
        b'<p class="errors" role="alert">Not found, or outside what your role can see.</p>'
    )
    refused = client.get("/evidence/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert b"<html" not in refused.content and b"You do not have access" in refused.content
