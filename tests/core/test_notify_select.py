"""Notifications queued by one `INSERT … SELECT` (`notify_select`) over rows sent as one JSON
parameter (`json_rows`), and links built without a `reverse` per row (`pk_link`)."""

from datetime import date

import pytest
from django.urls import reverse

from core.models import Notification, Webhook, WebhookDelivery
from core.notifications import notify_select, pk_link
from core.rowsets import INTEGER, TEXT, json_rows

pytestmark = pytest.mark.django_db
DUE = date(2026, 12, 1)
KINDS = {"rotation_due_7d"}


def reminders(rows) -> tuple[str, list]:
    """A SELECT of rotation reminders, one per (subject id, recipient id, title)."""
    rows_sql, rows_params = json_rows(
        (("subject_id", INTEGER), ("recipient_id", INTEGER), ("title", TEXT)), rows
    )
    sql = f"""SELECT 'rotation_due_7d' AS kind, 'auth.user' AS subject_type,
                     r.subject_id AS subject_id, r.recipient_id AS recipient_id, %s AS due_on,
                     r.title AS title, '' AS body, %s AS reason, %s AS link
                FROM ({rows_sql}) r"""  # noqa: S608
    return sql, [DUE, "You are R.", "/identities/1/", *rows_params]


def test_each_row_is_queued_once_with_the_columns_it_names(owner, engineer):
    select = reminders([(owner.pk, owner.pk, "t" * 250), (owner.pk, engineer.pk, "Rötate 'it'")])
    assert notify_select(*select, kinds=KINDS) == 2
    assert notify_select(*select, kinds=KINDS) == 0  # idempotent: unique per kind/subject/…
    got = list(
        Notification.objects.order_by("recipient__username").values_list(
            "recipient__username", "kind", "subject_type", "subject_id", "due_on", "title",
            "reason", "link", "email_status",
        )
    )  # fmt: skip
    assert [(g[0], len(g[5])) for g in got] == [("erin-engineer", 11), ("olu-owner", 200)]
    assert got[0][1:] == (
        "rotation_due_7d", "auth.user", owner.pk, DUE, "Rötate 'it'", "You are R.",
        "/identities/1/", "pending",
    )  # fmt: skip


def test_an_unregistered_kind_is_refused(owner):
    with pytest.raises(ValueError, match="Unregistered"):
        notify_select(*reminders([(owner.pk, owner.pk, "x")]), kinds={"rotation_typo"})
    assert not Notification.objects.exists()


def test_new_notifications_get_deliveries_for_subscribed_hooks_only(owner, engineer):
    every = Webhook.objects.create(name="every", url="https://hooks.example.com/a", kinds=[])
    Webhook.objects.create(name="reviews", url="https://hooks.example.com/b", kinds=["review_due"])
    select = reminders([(owner.pk, owner.pk, "a"), (owner.pk, engineer.pk, "b")])
    notify_select(*select, kinds=KINDS)
    notify_select(*select, kinds=KINDS)
    assert sorted(WebhookDelivery.objects.values_list("webhook_id", "notification__title")) == [
        (every.pk, "a"),
        (every.pk, "b"),
    ]


def test_pk_link_is_the_reversed_url():
    assert pk_link("identities:detail", 42, "#credentials") == (
        reverse("identities:detail", args=[42]) + "#credentials"
    )
    assert pk_link("approvals:request", 7) == reverse("approvals:request", args=[7])


def test_a_webhook_is_sent_only_the_notifications_queued_after_it(owner, engineer):
    """`notify_many` gives deliveries to the rows it inserted: not to one already queued (a
    rerun), nor to an older one of the same kind, subject and recipient whose due date the
    batch shares — the webhook would receive a stale reminder."""
    from core.notifications import Draft, notify_many

    first = Draft("rotation_due_7d", owner, owner.pk, DUE, "queued before the hook", "r")
    notify_many([first])
    hook = Webhook.objects.create(name="every", url="https://hooks.example.com/a", kinds=[])
    later = date(2026, 12, 8)
    assert notify_many([
        first,
        Draft("rotation_due_7d", owner, owner.pk, later, "next cycle", "r"),
        Draft("rotation_due_7d", engineer, owner.pk, DUE, "another subject", "r"),
    ]) == 2  # fmt: skip
    assert sorted(
        WebhookDelivery.objects.filter(webhook=hook).values_list("notification__title", flat=True)
    ) == ["another subject", "next cycle"]
