"""The table layer (core/tables.py) as the lists use it: sorting in the domain's order, column
choice remembered per user session, and pager links that keep the filters."""

import pytest
from django.urls import reverse

from tests.approvals.factories import submit_exception
from tests.factories import IdentityFactory, TeamFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [row.record.name for row in response.context["table"].page.object_list]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("risk_tier", ["low", "medium", "high", "critical"]),
        ("-risk_tier", ["critical", "high", "medium", "low"]),
        ("status", ["pending", "active", "suspended", "decommissioned"]),
    ],
)
def test_choices_sort_in_the_domains_order_not_alphabetically(client, admin_user, sort, expected):
    field = sort.lstrip("-")
    for value in ["critical", "low", "high", "medium"] if field == "risk_tier" else expected[::-1]:
        IdentityFactory(name=f"id-{value}", **{field: value})
    client.force_login(admin_user)
    response = client.get(reverse("identities:list"), {"sort": sort})
    assert names(response) == [f"id-{value}" for value in expected]


def test_column_choice_is_remembered_and_the_name_column_stays(client, admin_user):
    IdentityFactory(name="ledger-sync", external_id="arn:aws:iam::1:role/ledger")
    client.force_login(admin_user)
    url = reverse("identities:list")
    chosen = client.get(url, {"cols_set": "1", "cols": ["kind", "status"]})
    header = [c.name for c in chosen.context["table"].columns]
    assert header == ["name", "kind", "status"]
    later = client.get(url).content.decode()  # no choice in the query: the session's
    assert "arn:aws:iam::1:role/ledger" not in later and "ledger-sync" in later
    reset = client.get(url, {"cols_set": "1", "cols": ["external_id"]})
    assert [c.name for c in reset.context["table"].columns] == ["name", "external_id"]


def test_approvals_pager_keeps_the_box_and_filters(
    client, monkeypatch, admin_user, engineer, governed
):
    team = TeamFactory(members=[engineer])
    identity = IdentityFactory(team=team, status="active")
    for _ in range(3):
        submit_exception(actor=engineer, identity=identity)
    monkeypatch.setattr("core.tables.PER_PAGE", 2)
    client.force_login(admin_user)
    response = client.get(reverse("approvals:inbox"), {"box": "all", "status": "pending"})
    body = response.content.decode()
    assert 'rel="next"' in body
    next_link = body.split('rel="next" href="', 1)[1].split('"', 1)[0]
    assert "box=all" in next_link and "status=pending" in next_link and "page=2" in next_link


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_when_is_djangos_date_format_in_the_viewers_zone(zone):
    import datetime as dt

    from django.utils import timezone
    from django.utils.formats import date_format

    from core.tables import WHEN, when

    moments = [dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC), dt.datetime(2026, 11, 1, 5, 7)]
    with timezone.override(zone):
        for moment in moments:
            moment = moment if moment.tzinfo else timezone.make_aware(moment, dt.UTC)
            assert when(moment) == date_format(timezone.localtime(moment), WHEN)
    assert when(None) == ""


def test_choice_pills_take_the_tone_of_the_stored_value(client, admin_user, engineer, governed):
    """django-tables2 hands a choice cell its label; the tone comes from the stored value —
    on the row itself and through a relation (the inbox's risk is its identity's)."""
    team = TeamFactory(members=[engineer])
    IdentityFactory(name="risky", team=team, risk_tier="critical", status="active")
    submit_exception(
        actor=engineer, identity=IdentityFactory(team=team, risk_tier="high", status="active")
    )
    client.force_login(admin_user)
    listed = client.get(reverse("identities:list")).content.decode()
    assert '<span class="pill bad">Critical</span>' in listed
    assert '<span class="pill ok">Active</span>' in listed
    inbox = client.get(reverse("approvals:inbox"), {"box": "all"}).content.decode()
    assert '<span class="pill warn">High</span>' in inbox
    assert '<span class="pill info">Pending</span>' in inbox
