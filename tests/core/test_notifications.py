import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.models import Notification, Webhook, WebhookDelivery
from core.notifications import (
    deliver_emails,
    deliver_webhooks,
    inbox_unread_count,
    notify,
)
from core.webhooks import ERROR_DELIVERY, webhook_key, webhook_verify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DUE = date(2026, 12, 1)


def send(subject, users, **kw):
    notify(
        kind="rotation_due",
        subject=subject,
        recipients=users,
        due_on=DUE,
        title="Rotate the deploy key",
        reason="You are R of the identity domain",
        **kw,
    )


def test_notify_is_idempotent_per_kind_subject_recipient_due(owner, engineer):
    send(owner, [owner, engineer])
    send(owner, [owner, engineer, owner])
    assert Notification.objects.count() == 2
    notify(
        kind="rotation_due",
        subject=owner,
        recipients=[owner],
        due_on=DUE + timedelta(days=1),
        title="again",
        reason="next day",
    )
    assert Notification.objects.count() == 3


def test_emails_are_sent_once_and_say_why(owner, mailoutbox):
    send(owner, [owner], link="/identities/1/")
    assert deliver_emails() == 1
    assert deliver_emails() == 0
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [owner.email]
    assert "Why you got this: You are R of the identity domain" in mail.body
    assert Notification.objects.get().email_status == "sent"


def test_failed_email_is_kept_and_retried(owner, settings, mailoutbox, monkeypatch):
    send(owner, [owner])
    from django.core.mail.backends.locmem import EmailBackend

    def boom(self, messages):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", boom)
    assert deliver_emails() == 0
    row = Notification.objects.get()
    assert row.email_status == "failed" and "smtp down" in row.last_error
    monkeypatch.undo()
    assert deliver_emails() == 1
    assert len(mailoutbox) == 1


def test_user_without_email_is_skipped_but_keeps_inbox_entry(db):
    user = UserFactory(email="")
    send(user, [user])
    deliver_emails()
    assert Notification.objects.get().email_status == "skipped"
    assert inbox_unread_count(user) == 1


def test_webhook_posts_signed_json_and_retries_with_backoff(owner, admin_user, receiver):
    url, handler = receiver
    hook = Webhook.objects.create(name="chat", url=url, created_by=admin_user)
    handler.fail_first = 1
    send(owner, [owner])
    now = timezone.now()
    assert deliver_webhooks(now=now) == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.status == "pending"
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert deliver_webhooks(now=now) == 0  # not due yet
    assert deliver_webhooks(now=now + timedelta(minutes=1)) == 1
    headers, body = handler.received[0]
    assert webhook_verify(
        key=webhook_key(hook),
        body=body,
        timestamp=headers["X-Steward-Timestamp"],
        signature=headers["X-Steward-Signature"],
    )
    assert headers["X-Steward-Delivery"] == str(delivery.pk)
    assert json.loads(body)["reason"] == "You are R of the identity domain"


def test_webhook_kind_filter(owner, admin_user, receiver):
    url, _ = receiver
    Webhook.objects.create(name="only reviews", url=url, kinds=["review_due"])
    send(owner, [owner])
    assert not WebhookDelivery.objects.exists()


def test_inbox_lists_marks_read_and_badge_counts(client, owner, engineer):
    send(owner, [owner])
    send(engineer, [engineer])
    client.force_login(owner)
    page = client.get("/inbox/")
    assert b"Rotate the deploy key" in page.content
    assert b'id="inbox-unread">1<' in page.content
    client.post("/inbox/read/")
    assert inbox_unread_count(owner) == 0
    assert inbox_unread_count(engineer) == 1


def test_one_delivery_task_per_transaction(owner, engineer, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        send(owner, [owner])
        send(engineer, [engineer])
    assert len(callbacks) == 1


def test_webhook_redirects_are_not_followed(owner, admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    hits = []

    class Redirector(BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            self.send_response(307)
            self.send_header("Location", "/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        Webhook.objects.create(name="hop", url=f"http://127.0.0.1:{server.server_port}/hook")
        send(owner, [owner])
        assert deliver_webhooks() == 0
    finally:
        server.shutdown()
    assert hits == ["/hook"]
    assert WebhookDelivery.objects.get().last_error == ERROR_DELIVERY
