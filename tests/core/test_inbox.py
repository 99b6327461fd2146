"""The inbox as digests: one row per kind and object with a count, a kind filter, mark read
per digest, per kind and all; scoped to the signed-in user; a bounded query count."""

from datetime import date, timedelta

import pytest

from core.models import Notification
from core.notifications import inbox_unread_count, notify
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def remind(subject, users, *, kind="credential_expired", days=1, title="Credential expired"):
    for n in range(days):
        notify(
            kind=kind,
            subject=subject,
            recipients=users,
            due_on=date(2026, 12, 1) + timedelta(days=n),
            title=title,
            reason="You are R of the identity domain",
            link="/identities/",
        )


@pytest.fixture
def inbox(owner, engineer):
    deploy_key, other = TeamFactory(name="Deploy"), TeamFactory(name="Other")
    remind(deploy_key, [owner, engineer], days=5)
    remind(other, [owner], kind="review_due", title="Review due")
    return {"deploy": deploy_key, "other": other}


def test_repeated_reminders_are_one_digest_row_with_a_count(client, owner, inbox):
    client.force_login(owner)
    response = client.get("/inbox/")
    rows = response.context["table"].data.data
    assert [(d.kind, d.count) for d in rows] == [("review_due", 1), ("credential_expired", 5)]
    html = response.content.decode()
    assert html.count("digest unread") == 2
    assert '<td class="digest-count">5</td>' in html
    assert 'Credential expired <span class="muted">5</span>' in html  # the kind filter


def test_filter_by_kind(client, owner, inbox):
    client.force_login(owner)
    rows = client.get("/inbox/", {"kind": "review_due"}).context["table"].data.data
    assert [d.kind for d in rows] == ["review_due"]
    unknown = client.get("/inbox/", {"kind": "nope"}).context["table"].data.data
    assert len(unknown) == 2  # an unknown kind shows everything


def test_mark_one_digest_read_marks_all_its_rows(client, owner, engineer, inbox):
    client.force_login(owner)
    deploy = inbox["deploy"]
    response = client.post(
        "/inbox/read/",
        {
            "kind": "credential_expired",
            "subject_type": deploy._meta.label_lower,
            "subject_id": deploy.pk,
            "next": "?show=unread",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/?show=unread"
    assert inbox_unread_count(owner) == 1  # the review is still unread
    assert inbox_unread_count(engineer) == 5  # someone else's inbox is untouched
    rows = client.get("/inbox/", {"show": "all"}).context["table"].data.data
    assert {(d.kind, d.count, d.unread) for d in rows} == {
        ("credential_expired", 5, 0),
        ("review_due", 1, 1),
    }


def test_mark_all_read_of_one_kind_then_all(client, owner, inbox):
    client.force_login(owner)
    client.post("/inbox/read/", {"kind": "review_due"})
    assert not Notification.objects.filter(
        recipient=owner, kind="review_due", read_at__isnull=True
    ).exists()
    assert inbox_unread_count(owner) == 5
    client.post("/inbox/read/")
    assert inbox_unread_count(owner) == 0


def test_other_users_notifications_never_show(client, engineer, inbox):
    client.force_login(engineer)
    rows = client.get("/inbox/").context["table"].data.data
    assert [(d.kind, d.count) for d in rows] == [("credential_expired", 5)]


@pytest.mark.parametrize("days", [2, 30])
def test_inbox_query_count_does_not_grow(client, owner, days, django_assert_max_num_queries):
    for n in range(4):
        remind(TeamFactory(name=f"t{n}"), [owner], days=days)
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        assert client.get("/inbox/").status_code == 200
