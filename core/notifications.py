"""Notifications: an outbox row per (kind, subject, recipient, due date), delivered by e-mail
and outbound webhooks in Celery after commit, and shown in the in-app inbox.

Creation is idempotent (unique constraint + ignore_conflicts), so a sweep that runs twice
sends nothing twice. Delivery follows the healthchecks pattern: a short transaction claims
rows with a conditional UPDATE (skipping rows another worker holds), the e-mails and POSTs
go out with no transaction open and no row locked, and each outcome is recorded right after
its send. A failed delivery stays in the outbox to be retried."""

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from . import notification_kinds, webhooks
from .bulk import insert_ignore
from .models import Notification, Webhook, WebhookDelivery
from .rowsets import DATE, INTEGER, TEXT, json_rows
from .webhooks import SEND_TIMEOUT

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 8
MAX_WEBHOOK_ATTEMPTS = 8
BATCH = 200
# Each webhook POST may take up to 2 x SEND_TIMEOUT: a batch fits well inside the lease.
WEBHOOK_BATCH = 20
# How long a delivery run holds its claim. A run stops sending before it lapses; after a
# crash the claimed rows are due again when it does.
CLAIM_LEASE = timedelta(minutes=15)


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


class Subject:
    """A notification's subject by its model and primary key: what a `Draft` reads of one,
    without building a model instance per reminder (sweeps queue tens of thousands)."""

    __slots__ = ("_meta", "pk")

    def __init__(self, model, pk: int):
        self._meta, self.pk = model._meta, pk


_PK_MARK = "987654321"


@lru_cache(maxsize=32)
def _pk_url(name: str, script_prefix: str) -> tuple[str, str]:
    """The URL around the pk; keyed by the script prefix too, which `reverse` puts in front."""
    head, _mark, tail = reverse(name, args=[_PK_MARK]).rpartition(_PK_MARK)
    return head, tail


def pk_linker(name: str, anchor: str = "") -> Callable[[int], str]:
    """`pk -> reverse(name, args=[pk]) + anchor`, the route and the script prefix read once:
    a loop that links thousands of rows (a sweep's reminders) takes one of these (reading
    the prefix, a context-local, was a tenth of building a reminder)."""
    head, tail = _pk_url(name, get_script_prefix())
    tail += anchor
    return lambda pk: f"{head}{pk}{tail}"


def pk_link(name: str, pk: int, anchor: str = "") -> str:
    """`reverse(name, args=[pk]) + anchor`, the URL resolved once per name."""
    return pk_linker(name, anchor)(pk)


def notify(*, kind, subject, recipients, due_on, title, reason, body="", link="") -> None:
    notify_many(
        [
            Draft(kind, subject, user.pk, due_on, title, reason, body, link)
            for user in {u.pk: u for u in recipients if u is not None}.values()
        ]
    )


_DRAFT_COLUMNS = (
    ("kind", TEXT), ("subject_type", TEXT), ("subject_id", INTEGER), ("recipient_id", INTEGER),
    ("due_on", DATE), ("title", TEXT), ("body", TEXT), ("reason", TEXT), ("link", TEXT),
)  # fmt: skip


@dataclass
class Tally:
    queued: int = 0


_tallies: ContextVar[tuple[Tally, ...]] = ContextVar("notification_tallies", default=())


@contextmanager
def notifications_tally() -> Iterator[Tally]:
    """Count the notifications `notify_many` and `notify_select` queue inside the block
    (`Tally.queued`): new rows only, so one already queued (a rerun) is not counted twice.
    Nested tallies all count; a caller whose transaction rolls back discards its tally."""
    tally = Tally()
    token = _tallies.set((*_tallies.get(), tally))
    try:
        yield tally
    finally:
        _tallies.reset(token)


def _count_queued(queued: int) -> int:
    for tally in _tallies.get():
        tally.queued += queued
    return queued


def notify_many(drafts: list[Draft]) -> int:
    """Queue many notifications in a few queries — one `INSERT … SELECT … ON CONFLICT DO
    NOTHING` of the drafts sent as one JSON parameter: existing ones are left alone (and get
    no new webhook delivery). Returns how many were new."""
    if not drafts:
        return 0
    kinds = {d.kind for d in drafts}
    rows_sql, rows_params = json_rows(_DRAFT_COLUMNS, [
        (d.kind, d.subject._meta.label_lower, d.subject.pk, d.recipient_id, d.due_on.isoformat(),
         d.title, d.body, d.reason, d.link)
        for d in drafts
    ])  # fmt: skip
    return notify_select(rows_sql, rows_params, kinds=kinds)


def active_webhooks() -> list[Webhook]:
    return list(Webhook.objects.filter(active=True).only("id", "kinds"))


_INSERT_SELECT = """INSERT INTO core_notification (kind, subject_type, subject_id, recipient_id,
    due_on, title, body, reason, link, created_at, email_status, email_attempts, last_error,
    claim_token)
SELECT s.kind, s.subject_type, s.subject_id, s.recipient_id, s.due_on, SUBSTR(s.title, 1, 200),
       s.body, SUBSTR(s.reason, 1, 300), SUBSTR(s.link, 1, 300), %s, %s, 0, '', ''
  FROM ({select}) s WHERE 1 = 1
    ON CONFLICT DO NOTHING{returning}"""  # WHERE: SQLite's parser needs it before ON CONFLICT


def _insert_select(select: str, params, *, returning: bool):
    """Run `_INSERT_SELECT`: the (id, kind) of the rows inserted, or how many were."""
    sql = _INSERT_SELECT.format(select=select, returning=" RETURNING id, kind" if returning else "")
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, [timezone.now(), Notification.EmailStatus.PENDING, *params])
        return cursor.fetchall() if returning else cursor.rowcount


def notify_select(select: str, params, *, kinds, hooks=None) -> int:
    """Queue the notifications a SELECT yields in one `INSERT … SELECT … ON CONFLICT DO
    NOTHING`: reminders that are a join reach the outbox with no row built in Python. The
    SELECT names its columns kind, subject_type, subject_id, recipient_id, due_on, title,
    body, reason and link; `kinds` are the kinds it may yield (checked against the
    registry); `hooks` the active webhooks, looked up when not given. The notifications
    inserted get their webhook deliveries (existing ones had theirs). Returns how many were
    inserted."""
    notification_kinds.check_sent(kinds)
    hooks = active_webhooks() if hooks is None else hooks
    inserted = _insert_select(select, params, returning=bool(hooks))
    if hooks:
        now = timezone.now()
        insert_ignore(  # set-based: a sweep's tens of thousands of reminders, one statement
            WebhookDelivery, _DELIVERY_FIELDS,
            [(h.id, pk, WebhookDelivery.Status.PENDING.value, 0, now, "", "")
             for pk, kind in inserted
             for h in hooks
             if notification_kinds.subscribed(h.kinds, kind)],
        )  # fmt: skip
        inserted = len(inserted)
    if inserted:
        _schedule_delivery()
    return _count_queued(inserted)


_DELIVERY_FIELDS = (
    "webhook_id", "notification_id", "status", "attempts", "next_attempt_at", "last_error",
    "claim_token",
)  # fmt: skip


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


def _claim(claimable, *, order, batch: int, token: str, claim: dict) -> list[int]:
    """Claim up to `batch` rows in a short transaction (skip the rows another worker holds,
    mark ours with `token`); no I/O happens under the lock. Returns the claimed ids."""
    with transaction.atomic():
        ids = list(
            claimable.select_for_update(skip_locked=True, of=("self",))
            .order_by(*order)
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            # Conditional: the claimable filter again, so a row claimed meanwhile is left alone.
            claimable.filter(pk__in=ids).update(claim_token=token, **claim)
    return ids


def _record(model, pk: int, token: str, **outcome) -> bool:
    """Record a send's outcome, only while our claim holds (a claim that lapsed and was
    taken by another run is theirs to record)."""
    return bool(model.objects.filter(pk=pk, claim_token=token).update(**outcome))


def _lease_left(started: float) -> bool:
    """Stop sending before the claim lapses, so no other run re-sends a row we still send."""
    return time.monotonic() - started < CLAIM_LEASE.total_seconds() - 2 * SEND_TIMEOUT


def deliver_emails(*, now=None, batch: int = BATCH) -> int:
    """Send pending e-mails; returns how many were sent.

    Claim (conditional UPDATE, committed), send outside any transaction, record each outcome
    at once. A crash between a send and its record leaves the row claimed until the lease
    ends; the next run then sends it again: at most one duplicate per row."""
    now = now or timezone.now()
    pending = Notification.objects.filter(
        email_status__in=[Notification.EmailStatus.PENDING, Notification.EmailStatus.FAILED],
        email_attempts__lt=MAX_EMAIL_ATTEMPTS,
    ).filter(Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now))
    pending.filter(recipient__email="").update(email_status=Notification.EmailStatus.SKIPPED)
    token = uuid.uuid4().hex
    ids = _claim(
        pending,
        order=("id",),
        batch=batch,
        token=token,
        claim={"email_claimed_until": now + CLAIM_LEASE, "email_attempts": F("email_attempts") + 1},
    )
    if not ids:
        return 0
    rows = Notification.objects.filter(pk__in=ids, claim_token=token).select_related("recipient")
    sent, started = 0, time.monotonic()
    connection = get_connection()
    try:
        connection.open()
        for n in rows.order_by("id"):
            if not _lease_left(started):
                break  # the rest is claimed again once the lease ends
            try:
                connection.send_messages([_email(n)])
            except Exception as exc:  # recorded and retried
                log.warning("e-mail for notification %s failed", n.pk, exc_info=True)
                _record_email(n.pk, token, ok=False, error=f"{type(exc).__name__}: {exc}")
            else:
                sent += _record_email(n.pk, token, ok=True, now=now)
    except Exception as exc:  # the connection itself failed: every claimed row is retried
        log.warning("e-mail connection failed", exc_info=True)
        Notification.objects.filter(
            pk__in=ids, claim_token=token, email_claimed_until__isnull=False
        ).update(
            email_status=Notification.EmailStatus.FAILED,
            email_claimed_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
        )
    finally:
        connection.close()
    return sent


def _record_email(pk: int, token: str, *, ok: bool, now=None, error: str = "") -> int:
    if ok:
        return _record(
            Notification,
            pk,
            token,
            email_status=Notification.EmailStatus.SENT,
            emailed_at=now,
            email_claimed_until=None,
            last_error="",
        )
    _record(
        Notification,
        pk,
        token,
        email_status=Notification.EmailStatus.FAILED,
        email_claimed_until=None,
        last_error=error[:1000],
    )
    return 0


def _email(n: Notification) -> EmailMessage:
    link = f"\n\nOpen: {settings.STEWARD_BASE_URL}{n.link}" if n.link else ""
    body = f"{n.body}\n\nWhy you got this: {n.reason}{link}".strip()
    return EmailMessage(
        subject=f"[Steward] {n.title}",
        body=body,
        to=[n.recipient.email],
        from_email=settings.DEFAULT_FROM_EMAIL,
    )


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


def deliver_webhooks(*, now=None, batch: int = WEBHOOK_BATCH, post=None) -> int:
    """POST due deliveries; failures back off exponentially (1, 2, 4 … 60 minutes).

    The claim pushes `next_attempt_at` past the lease, so a run that dies after a POST leaves
    the row due again once the lease ends (one re-send; receivers dedupe on
    X-Steward-Delivery)."""
    now = now or timezone.now()
    post = post or webhooks.post
    token = uuid.uuid4().hex
    ids = _claim(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, webhook__active=True
        ),
        order=("next_attempt_at", "id"),
        batch=batch,
        token=token,
        claim={"next_attempt_at": now + CLAIM_LEASE, "attempts": F("attempts") + 1},
    )
    delivered, started = 0, time.monotonic()
    rows = (
        WebhookDelivery.objects.filter(pk__in=ids, claim_token=token)
        .select_related("webhook", "notification__recipient")
        .order_by("id")
    )
    for d in rows if ids else ():
        if not _lease_left(started):
            break
        body = json.dumps(webhook_payload(d.notification), sort_keys=True).encode()
        try:
            post(d.webhook.url, body, webhooks.webhook_headers(d.webhook, body, delivery_id=d.pk))
        except Exception as exc:  # recorded (as a category) and retried
            log.warning("webhook delivery %s to hook %s failed: %s", d.pk, d.webhook_id, exc)
            _record(
                WebhookDelivery,
                d.pk,
                token,
                last_error=webhooks.failure_category(exc),
                next_attempt_at=now + timedelta(minutes=min(2 ** (d.attempts - 1), 60)),
                status=(
                    WebhookDelivery.Status.FAILED
                    if d.attempts >= MAX_WEBHOOK_ATTEMPTS
                    else WebhookDelivery.Status.PENDING
                ),
            )
        else:
            delivered += _record(
                WebhookDelivery,
                d.pk,
                token,
                status=WebhookDelivery.Status.DELIVERED,
                delivered_at=now,
                last_error="",
            )
    return delivered


def inbox_unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_mark_read(*, user, ids=None, kind="", subject_type="", subject_id=None) -> int:
    """Mark this user's unread notifications read: all, some ids, one kind, or one digest
    (kind and object)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if kind:
        qs = qs.filter(kind=kind)
    if subject_type and subject_id is not None:
        qs = qs.filter(subject_type=subject_type, subject_id=subject_id)
    return qs.update(read_at=timezone.now())


def notifications_resolve(*, subject=None, model=None, ids=()) -> int:
    """The thing a reminder was about is dealt with (rotated, revoked): clear its unread
    reminders from every inbox — of `subject`, or of the rows `ids` of `model`."""
    if subject is not None:
        model, ids = type(subject), [subject.pk]
    if not ids:
        return 0
    return Notification.objects.filter(
        subject_type=model._meta.label_lower, subject_id__any_of=ids, read_at__isnull=True
    ).update(read_at=timezone.now())
