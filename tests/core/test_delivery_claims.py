"""Delivery claims rows (a conditional UPDATE, committed) and sends with no lock held: a run
that dies between a send and its record re-sends that row once, after the claim lease."""

import threading
from collections import Counter
from datetime import date

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.utils import timezone

from core import notifications
from core.models import Notification, Webhook, WebhookDelivery
from core.notifications import CLAIM_LEASE, deliver_emails, deliver_webhooks, notify

DUE = date(2026, 12, 1)


class Crash(BaseException):
    """The worker dies (killed, OOM): no `except Exception` runs."""


def _remind(users):
    for user in users:
        notify(
            kind="rotation_due",
            subject=user,
            recipients=[user],
            due_on=DUE,
            title="Rotate the deploy key",
            reason="You are R of the identity domain",
        )


def _crash_on_first_record(monkeypatch):
    real = notifications._record

    def record(*args, **kwargs):
        monkeypatch.setattr(notifications, "_record", real)
        raise Crash

    monkeypatch.setattr(notifications, "_record", record)


@pytest.mark.django_db
def test_email_crash_between_send_and_record_resends_that_row_once(
    owner, engineer, mailoutbox, monkeypatch
):
    _remind([owner, engineer])
    now = timezone.now()
    _crash_on_first_record(monkeypatch)
    with pytest.raises(Crash):
        deliver_emails(now=now)
    assert [m.to for m in mailoutbox] == [[owner.email]]  # sent, then the worker died

    assert deliver_emails(now=now) == 0  # both rows still claimed: nobody sends them
    assert deliver_emails(now=now + CLAIM_LEASE) == 2  # the lease ended: claimed again
    assert deliver_emails(now=now + 2 * CLAIM_LEASE) == 0
    sends = Counter(m.to[0] for m in mailoutbox)
    assert sends == {owner.email: 2, engineer.email: 1}
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_webhook_crash_between_post_and_record_resends_that_delivery_once(
    owner,
    engineer,
    receiver,
    monkeypatch,
):
    url, handler = receiver
    Webhook.objects.create(name="chat", url=url)
    _remind([owner, engineer])
    now = timezone.now()
    _crash_on_first_record(monkeypatch)
    with pytest.raises(Crash):
        deliver_webhooks(now=now)
    assert len(handler.received) == 1

    assert deliver_webhooks(now=now) == 0
    assert deliver_webhooks(now=now + CLAIM_LEASE) == 2
    assert deliver_webhooks(now=now + 2 * CLAIM_LEASE) == 0
    per_delivery = Counter(headers["X-Steward-Delivery"] for headers, _ in handler.received)
    assert sorted(per_delivery.values()) == [1, 2]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def _from_another_connection(fn):
    """Run fn in a thread (its own database connection) and return its result."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return out["value"]


def _row_is_unlocked(model, pk) -> bool:
    def probe():
        with transaction.atomic():
            model.objects.select_for_update(nowait=True).get(pk=pk)  # DatabaseError if locked
        return True

    return _from_another_connection(probe)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_webhook_is_posted_with_no_transaction_open_and_no_row_locked(owner, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Webhook.objects.create(name="chat", url="http://127.0.0.1:9/hook")
    _remind([owner])
    seen = {}

    def post(url, body, headers):
        delivery_id = int(headers["X-Steward-Delivery"])
        seen["atomic"] = connection.in_atomic_block
        seen["unlocked"] = _row_is_unlocked(WebhookDelivery, delivery_id)
        # A second run meanwhile finds the row claimed and posts nothing.
        seen["second run"] = _from_another_connection(lambda: deliver_webhooks(post=post))

    assert deliver_webhooks(post=post) == 1
    assert seen == {"atomic": False, "unlocked": True, "second run": 0}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_email_is_sent_with_no_transaction_open_and_no_row_locked(owner, monkeypatch):
    _remind([owner])
    seen = {}
    row = Notification.objects.get()

    def send_messages(self, messages):
        seen["atomic"] = connection.in_atomic_block
        seen["unlocked"] = _row_is_unlocked(Notification, row.pk)
        seen["second run"] = _from_another_connection(deliver_emails)
        return len(messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    assert deliver_emails() == 1
    assert seen == {"atomic": False, "unlocked": True, "second run": 0}
