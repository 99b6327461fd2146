"""Machine endpoints (OAuth, discovery) are answered past the page middleware: no session,
CSRF or user for them, the same security headers as every response, and anything not marked
`service_endpoint` under their prefixes goes through the full stack as before."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.test import AsyncClient
from django.urls import path, resolve, reverse
from django.views.decorators.csrf import csrf_exempt

from core.middleware import service_endpoint

seen: dict = {}


def _record(request):
    seen.update(session=hasattr(request, "session"), user=hasattr(request, "user"))
    return JsonResponse({"ok": True})


@service_endpoint
@csrf_exempt
@login_not_required
def lean_view(request):
    return _record(request)


@csrf_exempt
@login_not_required
def page_view(request):
    return _record(request)


urlpatterns = [
    path("oauth/lean", lean_view),
    path("oauth/page", page_view),
    path("elsewhere/lean", lean_view),  # marked, but outside SERVICE_ENDPOINT_PREFIXES
]


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = __name__
    seen.clear()


@pytest.mark.parametrize(
    ("url", "full_stack"),
    [("/oauth/lean", False), ("/oauth/page", True), ("/elsewhere/lean", True)],
)
def test_only_marked_views_under_the_prefixes_skip_the_page_middleware(
    client, urls, url, full_stack
):
    response = client.post(url, {"a": "b"})
    assert response.status_code == 200
    assert seen == {"session": full_stack, "user": full_stack}


def test_a_service_endpoint_keeps_the_security_headers(client, urls):
    response = client.post("/oauth/lean", {"a": "b"}, HTTP_X_REQUEST_ID="req-12345678")
    assert response["X-Request-ID"] == "req-12345678"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Content-Length"] == str(len(response.content))
    assert "Set-Cookie" not in response and "sessionid" not in response.cookies


def test_a_signed_in_session_does_not_reach_a_service_endpoint(admin_client, urls):
    """A cookie rides along with a browser's request; these endpoints must not see it."""
    admin_client.post("/oauth/lean", {"a": "b"})
    assert seen == {"session": False, "user": False}


@pytest.mark.parametrize(
    "name", ["token", "introspect", "revoke", "metadata", "oauth-metadata", "jwks"]
)
def test_the_oauth_endpoints_are_service_endpoints(name):
    func = resolve(reverse(f"runtime:{name}")).func
    assert func.service_endpoint is True
    if name in ("token", "introspect", "revoke"):
        assert func.csrf_exempt is True


@pytest.mark.django_db
def test_an_oauth_error_through_the_lean_path_is_json_with_headers(client):
    body, form = "token=x", "application/x-www-form-urlencoded"
    response = client.post(reverse("runtime:introspect"), body, content_type=form)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY" and "X-Request-ID" in response


def test_asgi_serves_them_the_same_way(urls):
    """The middleware is the one path for WSGI, ASGI and the test client alike."""
    # On a thread of its own: a browser test earlier in this process leaves its event loop
    # running on this one, where no other loop may run.
    with ThreadPoolExecutor(1) as pool:
        post = AsyncClient().post("/oauth/lean", {"a": "b"})
        response = pool.submit(asyncio.run, post).result()
    assert response.status_code == 200 and response["X-Frame-Options"] == "DENY"
    assert seen == {"session": False, "user": False}
