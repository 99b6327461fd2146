"""The lists converted to the table layer (core/tables.py): choices sort in the domain's order
on the directory and identity pages, and the pagers of uncounted and filtered lists keep the
filters."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, UserFactory

pytestmark = pytest.mark.django_db


def next_link(response) -> str:
    body = response.content.decode()
    assert 'rel="next"' in body
    return html.unescape(body.split('rel="next" href="', 1)[1].split('"', 1)[0])


def test_platforms_sort_by_kind_in_the_kinds_order(client, admin_user):
    for kind in ("saas", "aws", "kubernetes"):
        PlatformFactory(name=f"on {kind}", slug=kind, kind=kind)
    client.force_login(admin_user)
    response = client.get(reverse("identities:platforms"), {"sort": "kind"})
    rows = [row.record.name for row in response.context["table"].page.object_list]
    assert rows == ["on kubernetes", "on aws", "on saas"]  # not aws, kubernetes, saas
    assert "AWS account" in response.content.decode()  # the label, not the stored value


def test_credentials_sort_by_status_in_lifecycle_order_and_show_ages_in_days(client, admin_user):
    identity = IdentityFactory()
    three_days_ago = timezone.now() - timedelta(days=3, hours=1)
    for status in ("expired", "rotated", "active", "revoked"):
        CredentialFactory(
            identity=identity, label=f"key {status}", status=status, issued_at=three_days_ago
        )
    client.force_login(admin_user)
    response = client.get(identity.get_absolute_url(), {"cred-sort": "status"})
    table = response.context["credentials"]
    assert [row.record.status for row in table.page.object_list] == [
        "active",
        "rotated",
        "revoked",
        "expired",
    ]
    assert "Rotated (superseded)" in response.content.decode()
    assert {row.get_cell("age") for row in table.page.object_list} == {"3 days"}


def test_audit_browser_pager_keeps_the_filters(client, auditor, monkeypatch):
    for _ in range(3):
        IdentityFactory()
    monkeypatch.setattr("evidence.views.PAGE", 2)
    client.force_login(auditor)
    response = client.get(reverse("evidence:audit"), {"model": "identities.identity"})
    link = next_link(response)
    assert "model=identities.identity" in link and "page=2" in link
    second = client.get(reverse("evidence:audit") + link)
    first_ids = {c.history_id for c in response.context["changes"]}
    changes = second.context["changes"]
    assert changes and not first_ids & {c.history_id for c in changes}
    assert {c.model for c in changes} == {"identities.identity"}
    assert 'rel="prev"' in second.content.decode()


def test_people_pager_keeps_the_search(client, admin_user, monkeypatch):
    for n in range(3):
        UserFactory(username=f"pat-{n}", first_name="Pat", last_name=f"Number {n}")
    monkeypatch.setattr("core.tables.PER_PAGE", 2)
    client.force_login(admin_user)
    response = client.get(reverse("identities:people"), {"q": "pat", "sort": "person"})
    assert "Pat Number 0" in response.content.decode()  # the name, the username on hover
    link = next_link(response)
    assert "q=pat" in link and "sort=person" in link and "page=2" in link


def test_recent_imports_sort_by_status_in_the_order_a_job_goes_through(client, admin_user):
    from identities.models import ImportJob

    for status in ("done", "pending", "ready", "applying"):
        ImportJob.objects.create(
            created_by=admin_user, format="aws", filename=f"{status}.csv", status=status
        )
    client.force_login(admin_user)
    response = client.get(reverse("identities:import:upload"), {"sort": "status"})
    jobs = response.context["jobs"].page.object_list
    assert [row.record.status for row in jobs] == ["pending", "ready", "applying", "done"]
    assert "Preview ready" in response.content.decode()  # the label, not the stored value
