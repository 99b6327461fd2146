"""Explicit wiring: a misspelt panel or navigation name fails `manage.py check`; the inbox and
its navigation badge share one resolution per request (nothing stashed on the user); the
registry API's POST is approvals' onboarding, mounted in approvals' urls."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import resolve

from approvals import selectors
from core.url_checks import check_configured_url_names


def test_the_configured_names_all_resolve():
    assert check_configured_url_names() == []


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("STEWARD_DASHBOARD_PANELS", ["usage:dashbord-panel"], "'usage:dashbord-panel'"),
        ("STEWARD_NAV_BADGES", {"approvals:inbx": "approvals.selectors.waiting_count"}, "inbx"),
        ("STEWARD_NAV_VISIBLE", {"usage:signals": "usage.views.can_see_usag"}, "can_see_usag"),
    ],
)
def test_a_misspelt_name_fails_the_system_check(settings, setting, value, named):
    setattr(settings, setting, value)
    errors = check_configured_url_names()
    assert len(errors) == 1 and named in errors[0].msg
    assert errors[0].id in {"core.E101", "core.E102"}
    with pytest.raises(SystemCheckError, match=named):
        call_command("check")


def test_template_url_names_are_checked(monkeypatch):
    from core import url_checks

    monkeypatch.setattr(
        url_checks, "template_url_names", lambda: [("identities/x.html", "usage:identty-panel")]
    )
    [error] = check_configured_url_names()
    assert error.msg == "identities/x.html: no URL is named 'usage:identty-panel'."


@pytest.mark.django_db
def test_the_inbox_and_its_badge_resolve_waiting_requests_once_per_request(
    client, owner, monkeypatch
):
    calls = []
    original = selectors.waiting_for

    def counting(user):
        calls.append(user.pk)
        return original(user)

    monkeypatch.setattr(selectors, "waiting_for", counting)
    client.force_login(owner)
    assert client.get("/approvals/").status_code == 200
    assert calls == [owner.pk]  # the page and the nav badge: one resolution
    assert client.get("/approvals/").status_code == 200
    assert calls == [owner.pk, owner.pk]  # a new request resolves again
    assert client.get("/").status_code == 200
    assert len(calls) == 3  # elsewhere the badge alone resolves them, once
    assert selectors.waiting_count(owner) == 0  # outside a request: computed, not cached
    assert len(calls) == 4


def test_registering_an_identity_is_approvals_onboarding_view():
    view = resolve("/api/v1/identities/").func.view_class
    assert view.__module__ == "approvals.api.onboarding"
    assert {"get", "post"} <= set(view.http_method_names) and hasattr(view, "post")
