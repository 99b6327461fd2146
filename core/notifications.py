"""Notifications: an outbox row per (kind, subject, recipient, due date), delivered by e-mail
and outbound webhooks in Celery after commit, and shown in the in-app inbox.

Creation is idempotent (unique constraint + ignore_conflicts), so a sweep that runs twice
sends nothing twice. Delivery claims rows under a row lock (skip locked), so two workers
never send the same row, and a failed delivery stays in the outbox to be retried."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from .models import Notification, Webhook, WebhookDelivery

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 8
MAX_WEBHOOK_ATTEMPTS = 8
BATCH = 200


@dataclass(frozen=True)
class Draft:
    kind: str
    subject: object  # any model instance
    recipient_id: int
    due_on: dt.date
    title: str
    reason: str
    body: str = ""
    link: str = ""
    extra: dict = field(default_factory=dict)


def notify(*, kind, subject, recipients, due_on, title, reason, body="", link="") -> None:
    notify_many(
        [
            Draft(kind, subject, user.pk, due_on, title, reason, body, link)
            for user in {u.pk: u for u in recipients if u is not None}.values()
        ]
    )


def notify_many(drafts: list[Draft]) -> None:
    """Queue many notifications in a few queries; existing ones are left alone."""
    if not drafts:
        return
    rows = [
        Notification(
            kind=d.kind,
            subject_type=d.subject._meta.label_lower,
            subject_id=d.subject.pk,
            recipient_id=d.recipient_id,
            due_on=d.due_on,
            title=d.title[:200],
            body=d.body,
            reason=d.reason[:300],
            link=d.link[:300],
        )
        for d in drafts
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    hooks = list(Webhook.objects.filter(active=True).only("id", "kinds"))
    if hooks:
        kinds = {d.kind for d in drafts}
        keys = {(d.kind, d.subject._meta.label_lower, d.subject.pk, d.recipient_id) for d in drafts}
        fresh = Notification.objects.filter(
            kind__in=kinds,
            due_on__in={d.due_on for d in drafts},
            subject_id__in={d.subject.pk for d in drafts},
            recipient_id__in={d.recipient_id for d in drafts},
        ).only("id", "kind", "subject_type", "subject_id", "recipient_id")
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(webhook_id=h.id, notification_id=n.id)
                for n in fresh
                if (n.kind, n.subject_type, n.subject_id, n.recipient_id) in keys
                for h in hooks
                if not h.kinds or n.kind in h.kinds
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
    _schedule_delivery()


def _schedule_delivery() -> None:
    """One delivery task per transaction, however many notifications it queued."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback is _enqueue_delivery for _sids, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from .tasks import deliver_notifications

    try:
        deliver_notifications.delay()
    except Exception:  # the beat catch-up delivers what this misses
        log.warning("could not enqueue notification delivery; beat will catch up", exc_info=True)


def deliver_emails(*, now=None, batch: int = BATCH) -> int:
    """Send pending e-mails; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                email_status__in=[
                    Notification.EmailStatus.PENDING,
                    Notification.EmailStatus.FAILED,
                ],
                email_attempts__lt=MAX_EMAIL_ATTEMPTS,
            )
            .select_related("recipient")
            .order_by("id")[:batch]
        )
        if not rows:
            return 0
        with get_connection() as connection:
            for n in rows:
                if not n.recipient.email:
                    n.email_status = Notification.EmailStatus.SKIPPED
                    continue
                n.email_attempts += 1
                try:
                    connection.send_messages([_email(n)])
                except Exception as exc:  # recorded and retried
                    n.email_status = Notification.EmailStatus.FAILED
                    n.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                else:
                    n.email_status = Notification.EmailStatus.SENT
                    n.emailed_at = now
                    sent += 1
        Notification.objects.bulk_update(
            rows, ["email_status", "email_attempts", "emailed_at", "last_error"]
        )
    return sent


def _email(n: Notification) -> EmailMessage:
    link = f"\n\nOpen: {settings.STEWARD_BASE_URL}{n.link}" if n.link else ""
    body = f"{n.body}\n\nWhy you got this: {n.reason}{link}".strip()
    return EmailMessage(
        subject=f"[Steward] {n.title}",
        body=body,
        to=[n.recipient.email],
        from_email=settings.DEFAULT_FROM_EMAIL,
    )


def webhook_key(webhook: Webhook) -> str:
    """The HMAC key for a hook, derived (not stored): shown to admins to configure receivers."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"steward-webhook:{webhook.pk}".encode(), hashlib.sha256
    ).hexdigest()


def webhook_signature(webhook: Webhook, body: bytes) -> str:
    return "sha256=" + hmac.new(webhook_key(webhook).encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "reason": n.reason,
        "subject": {"type": n.subject_type, "id": n.subject_id},
        "recipient": n.recipient.get_username(),
        "due_on": n.due_on.isoformat(),
        "link": f"{settings.STEWARD_BASE_URL}{n.link}" if n.link else "",
        "created_at": n.created_at.isoformat(),
    }


def deliver_webhooks(*, now=None, batch: int = BATCH, post=None) -> int:
    """POST due deliveries; failures back off exponentially (1, 2, 4 … 60 minutes)."""
    now = now or timezone.now()
    post = post or _post
    delivered = 0
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .select_related("webhook", "notification__recipient")
            .order_by("next_attempt_at", "id")[:batch]
        )
        for d in rows:
            body = json.dumps(webhook_payload(d.notification), sort_keys=True).encode()
            d.attempts += 1
            try:
                post(d.webhook.url, body, webhook_signature(d.webhook, body))
            except Exception as exc:  # recorded and retried
                d.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                if d.attempts >= MAX_WEBHOOK_ATTEMPTS:
                    d.status = WebhookDelivery.Status.FAILED
                d.next_attempt_at = now + timedelta(minutes=min(2 ** (d.attempts - 1), 60))
            else:
                d.status = WebhookDelivery.Status.DELIVERED
                d.delivered_at = now
                delivered += 1
        WebhookDelivery.objects.bulk_update(
            rows, ["status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
        )
    return delivered


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A hook posts to the URL an admin configured, never where a response points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect refused: {msg}", headers, fp)


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, signature: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - admins configure http(s) URLs only
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Steward-Signature": signature},
    )
    with _opener.open(request, timeout=10) as response:
        if response.status >= 300:
            raise RuntimeError(f"HTTP {response.status}")


def inbox_unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def notifications_resolve(*, subject) -> int:
    """The thing a reminder was about is dealt with (rotated, revoked): clear its unread
    reminders from every inbox."""
    return Notification.objects.filter(
        subject_type=subject._meta.label_lower, subject_id=subject.pk, read_at__isnull=True
    ).update(read_at=timezone.now())
