"""No page or endpoint answers an anonymous visitor, except sign-in, health and the published
bundle-signing public key."""

import pytest

from tests.url_walk import all_urls

PUBLIC = {"login", "healthz", "admin:login", "api-docs-public"}
# Runtime access: workloads and resource servers, not people (tests/runtime checks each).
PUBLIC |= {f"runtime:{n}" for n in ("token", "introspect", "revoke", "metadata", "oauth-metadata")}
PUBLIC |= {"runtime:jwks", "evidence:bundle-key"}

URLS = [(name, url) for name, url in all_urls() if name not in PUBLIC]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), URLS, ids=[u for _, u in URLS])
def test_anonymous_is_refused_everywhere_but_sign_in_and_health(client, name, url):
    response = client.get(url)
    if name.startswith("oidc_"):  # single sign-on's redirects: absent while SSO is off
        assert response.status_code == 404, url
    elif name == "metrics":  # a scraper's endpoint: a bearer challenge, not a sign-in page
        assert response.status_code == 401, url
    elif url.startswith("/api/"):
        assert response.status_code in (401, 403), url
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith(("/accounts/login/", "/admin/login/")), url


def test_walk_covers_the_app_urls():
    urls = {u for _, u in all_urls()}
    assert "/" in urls and "/healthz" in urls and "/api/schema/" in urls


@pytest.mark.django_db
def test_sign_in_page_is_public(client):
    assert client.get("/accounts/login/").status_code == 200
