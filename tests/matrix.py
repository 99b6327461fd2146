"""Persona matrices: an app's table of (name, method, url, data, expected) rows states each
persona's status code on every page or endpoint; these build the tests that walk a table.
A module takes them under its own names (`test_pages, test_anon = page_tests(PAGES)`); the
`world` fixture the rows' lambdas read is the module's own."""

import pytest

from tests.conftest import PERSONAS, persona_name

FIELDS = ("name", "method", "url", "data", "expected")


def _rows(table):
    return pytest.mark.parametrize(FIELDS, table, ids=[row[0] for row in table])


def page_tests(pages):
    """(each persona's status on every page, anonymous visitors sent to the login page)."""

    @pytest.mark.parametrize("persona", PERSONAS, indirect=True)
    @_rows(pages)
    def test_pages(client, world, persona, request, name, method, url, data, expected):
        client.force_login(persona)
        target = url(world)
        if method == "get":
            response = client.get(target)
        else:
            response = client.post(target, data(world, persona) if data else {})
        who = persona_name(request, persona)
        assert response.status_code == expected[who], (name, who)

    @_rows(pages)
    def test_pages_anonymous(client, world, name, method, url, data, expected):
        target = url(world)
        response = client.get(target) if method == "get" else client.post(target, {})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    return test_pages, test_pages_anonymous


def api_test(endpoints):
    """Each persona's status on every endpoint (JSON bodies from `data(world)`)."""

    @pytest.mark.parametrize("persona", PERSONAS, indirect=True)
    @_rows(endpoints)
    def test_api(api_client, world, persona, request, name, method, url, data, expected):
        api_client.force_authenticate(persona)
        kwargs = {"format": "json"}
        if data is not None:
            kwargs["data"] = data(world)
        response = getattr(api_client, method)(url(world), **kwargs)
        who = persona_name(request, persona)
        assert response.status_code == expected[who], (name, who, response.data)

    return test_api
