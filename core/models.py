"""Shared model plumbing: mixins, the worker heartbeat and personal API tokens."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .history import GovernedHistory

API_TOKEN_MAX_DAYS = 90


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """Last run of the beat-scheduled heartbeat task, one row per name; /healthz shows it."""

    name = models.CharField(max_length=50, unique=True)
    last_run_at = models.DateTimeField()
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A personal API token for pipelines. Only a SHA-256 digest is stored; the token is
    shown once at creation. Tokens always expire, at most `MAX_DAYS` after creation: the
    model checks it on every save (admin included) and the database holds the same bound."""

    PREFIX = "stw_"
    MAX_DAYS = API_TOKEN_MAX_DAYS

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at"))
                & Q(expires_at__lte=F("created_at") + dt.timedelta(days=API_TOKEN_MAX_DAYS)),
                name="api_token_expiry_within_max",
                violation_error_message=f"A token expires within {API_TOKEN_MAX_DAYS} days.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}{self.key_prefix}…)"

    def save(self, *args, **kwargs):
        self.clean()  # every path (admin, shell, services): the cap is not the form's alone
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.created_at is None or self.expires_at is None:
            return
        if self.created_at > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError({"created_at": "A token cannot be created in the future."})
        if not self.created_at < self.expires_at <= self.max_expiry:
            raise ValidationError(
                {"expires_at": f"A token expires within {self.MAX_DAYS} days of its creation."}
            )

    @property
    def max_expiry(self):
        return self.created_at + dt.timedelta(days=self.MAX_DAYS)

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class Notification(models.Model):
    """A reminder or message to one person, kept in the outbox and the in-app inbox.

    Unique per (kind, subject, recipient, due date): sending twice is a no-op, so sweeps can run
    again and again. E-mail delivery claims the row (`email_status`) and never loses it."""

    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        SKIPPED = "skipped", "Skipped (no address)"

    kind = models.CharField(max_length=60)
    subject_type = models.CharField(max_length=60)
    subject_id = models.BigIntegerField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    due_on = models.DateField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    reason = models.CharField(max_length=300, help_text="Why the recipient got it.")
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # A delivery run claims the row (conditional UPDATE) until this time, sends outside any
    # transaction, then records the outcome if its token still holds the claim.
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "recipient", "due_on"],
                name="notification_once_per_kind_subject_recipient_due",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "email_attempts"]),
            # `notifications_resolve`: a subject's unread reminders, found without a scan.
            models.Index(
                fields=["subject_type", "subject_id"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient}"


def new_key_salt() -> str:
    return secrets.token_hex(16)


class Webhook(models.Model):
    """An outbound webhook: each notification (of the chosen kinds) is POSTed as signed JSON.

    Each hook has its own HMAC key, derived from SECRET_KEY, the hook's id and a random
    per-hook salt (see `webhooks.webhook_key`): the database holds no key material, and
    rotating (a new salt) changes one hook's key, the old one still signing for a grace
    period."""

    name = models.CharField(max_length=100)
    url = models.URLField(
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="http(s) only; must resolve to a public address.",
    )
    kinds = models.JSONField(default=list, blank=True, help_text="Empty: every kind.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    key_salt = models.CharField(max_length=32, default=new_key_salt, editable=False)
    key_version = models.PositiveIntegerField(default=1, editable=False)
    previous_key_salt = models.CharField(max_length=32, blank=True, editable=False)
    previous_key_until = models.DateTimeField(null=True, blank=True, editable=False)
    # History keeps the salts too (not keys: a key also needs SECRET_KEY), so the ledger's
    # live check names a salt changed behind Steward's back — that would change the key.
    history = GovernedHistory()

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:webhook", args=[self.pk])

    def clean(self) -> None:
        from .notification_kinds import validate_subscription
        from .webhooks import WebhookTargetRefused, check_target

        errors = {}
        try:
            check_target(self.url)
        except WebhookTargetRefused as exc:
            errors["url"] = str(exc)
        try:
            validate_subscription(self.kinds)
        except ValidationError as exc:
            errors["kinds"] = exc.messages
        if errors:
            raise ValidationError(errors)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Claimed by pushing next_attempt_at past the claim lease; the token guards the record.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "notification"], name="webhook_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.webhook} #{self.notification_id}: {self.status}"


class AccountChange(models.Model):
    """One change to a person's access made in Steward: a role or team joined or left, the
    account deactivated or reactivated — who did it, when and why. Written by
    `core.accounts` only; never changed (history chains each row into the ledger)."""

    class Kind(models.TextChoices):
        JOINED = "joined", "Added to"
        LEFT = "left", "Removed from"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_changes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # A role group or a team's group, and how people named it then ("the Admin role",
    # "Payments"), kept as it was, for evidence.
    group = models.ForeignKey(
        "auth.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    group_name = models.CharField(max_length=150, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["user", "occurred_at"])]

    def __str__(self) -> str:
        what = f" {self.group_name}" if self.group_name else ""
        return f"{self.user}: {self.get_kind_display()}{what}"
