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


def test_evidence_and_admin_links_are_for_those_they_open_for(client, engineer, auditor):
    from core.navigation import nav_items

    client.force_login(engineer)
    labels = [i["label"] for i in nav_items(client.get("/").wsgi_request)]
    assert "Evidence" not in labels and "Admin" not in labels
    client.force_login(auditor)
    labels = [i["label"] for i in nav_items(client.get("/").wsgi_request)]
    assert "Evidence" in labels and "Admin" not in labels
