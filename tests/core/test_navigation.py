"""The navigation shows a role only what it can open: no link that ends in a bare 403."""

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_every_navigation_link_opens_for_who_sees_it(client, persona):
    from core.navigation import nav_items

    client.force_login(persona)
    request = client.get(reverse("dashboard")).wsgi_request
    for item in nav_items(request):
        assert client.get(item["url"]).status_code == 200, (persona.username, item["label"])


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_every_admin_page_link_opens_for_who_sees_it(client, persona):
    """The in-app admin's index lists each page only to the roles that can open it."""
    from core.admin_pages import admin_pages

    client.force_login(persona)
    pages = admin_pages(persona)
    for page in pages:
        assert client.get(page["url"]).status_code == 200, (persona.username, page["label"])
    home = client.get(reverse("core:admin-home")).status_code
    assert home == (200 if pages else 403)


def test_evidence_and_admin_links_are_for_those_they_open_for(client, engineer, auditor):
    from core.navigation import nav_items

    client.force_login(engineer)
    labels = [i["label"] for i in nav_items(client.get("/").wsgi_request)]
    assert "Evidence" not in labels and "Admin" not in labels
    client.force_login(auditor)
    labels = [i["label"] for i in nav_items(client.get("/").wsgi_request)]
    assert "Evidence" in labels and "Admin" in labels  # the in-app admin, read-only


def test_django_admin_is_listed_for_staff_only(client, admin_user):
    from core.admin_pages import admin_pages

    assert "Django admin" not in [p["label"] for p in admin_pages(admin_user)]
    admin_user.is_staff = True
    assert "Django admin" in [p["label"] for p in admin_pages(admin_user)]


def test_the_two_platform_pages_have_distinct_names(client, admin_user):
    """The connectors page and the admin's platforms page: each says what it is, in its
    navigation label and its heading."""
    from core.admin_pages import admin_pages
    from core.navigation import nav_items

    client.force_login(admin_user)
    nav = {i["label"]: i["url"] for i in nav_items(client.get("/").wsgi_request)}
    admin = {p["label"]: p["url"] for p in admin_pages(admin_user)}
    assert nav["Platform connectors"] == reverse("connectors:platforms")
    assert admin["Platforms"] == reverse("identities:platforms") != nav["Platform connectors"]
    assert "Platforms" not in nav
    connectors = client.get(reverse("connectors:platforms")).content.decode()
    assert "<h1>Platform connectors</h1>" in connectors
    assert "<title>Platform connectors · Steward</title>" in connectors
    assert "<title>Platforms · Steward</title>" in client.get(admin["Platforms"]).content.decode()
