"""Usage and cost records and the signals detectors raise from them.

A signal is for triage only: nothing here (or in the detectors) changes a grant, a
permission, a credential or an identity's status."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.history import GovernedHistory
from core.models import TimeStampedModel

from .choices import Severity, SignalKind, SignalStatus


class UsageRecord(TimeStampedModel):
    """Calls, tokens and cost of one identity on one day from one source (a billing export,
    a gateway log). A record naming an identity Steward does not know is kept with
    `identity` empty (unattributed spend), never dropped: `platform_ref` / `external_ref`
    keep what the source named.

    No history: a record is data reported by a source, not a governed decision; re-ingesting
    overwrites it (idempotent upsert) and the ingestion itself is the audit point."""

    identity = models.ForeignKey(
        "identities.Identity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="usage_records",
    )
    platform_ref = models.CharField(max_length=100, blank=True, help_text="Platform as given.")
    external_ref = models.CharField(max_length=500, blank=True, help_text="External id as given.")
    source = models.CharField(max_length=100, help_text="e.g. 'openai-billing', 'gateway-logs'.")
    day = models.DateField()
    calls = models.BigIntegerField(default=0)
    tokens = models.BigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    currency = models.CharField(max_length=3, default="USD")
    ingested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-day", "id"]
        constraints = [
            # NULL identities never collide in a plain unique index, so each kind of record
            # gets its own partial one.
            models.UniqueConstraint(
                fields=["identity", "day", "source"],
                condition=Q(identity__isnull=False),
                name="usage_record_unique_attributed",
            ),
            models.UniqueConstraint(
                fields=["platform_ref", "external_ref", "day", "source"],
                condition=Q(identity__isnull=True),
                name="usage_record_unique_unattributed",
            ),
            models.CheckConstraint(
                name="usage_record_non_negative",
                condition=Q(calls__gte=0, tokens__gte=0, cost__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["day", "identity"]),
            models.Index(fields=["identity", "day"]),
        ]

    def __str__(self) -> str:
        who = self.identity_id or f"{self.platform_ref}:{self.external_ref}"
        return f"{self.day} {who} {self.source}: {self.cost} {self.currency}"


class Signal(TimeStampedModel):
    """Something in the usage the consumption owner should look at. Unique per
    (kind, subject, day), so the detector sweep is idempotent; `subject` is
    `identity:<id>` or, for unattributed spend, `external:<platform>:<external id>`."""

    kind = models.CharField(max_length=30, choices=SignalKind.choices)
    identity = models.ForeignKey(
        "identities.Identity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="usage_signals",
    )
    subject = models.CharField(max_length=700)
    platform_ref = models.CharField(max_length=100, blank=True)
    external_ref = models.CharField(max_length=500, blank=True)
    day = models.DateField(help_text="The usage day the signal is about.")
    status = models.CharField(
        max_length=20, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    currency = models.CharField(max_length=3, default="USD")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The consumption owner (A) when the signal was raised; empty: admins.",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True, help_text="What was found (resolved).")
    dismiss_reason = models.TextField(blank=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "day"], name="usage_signal_unique_per_subject_day"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-day"]),
            models.Index(fields=["identity", "status"]),
            models.Index(fields=["kind", "subject", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.day} · {self.summary}"

    @property
    def is_unresolved(self) -> bool:
        return self.status in (SignalStatus.OPEN, SignalStatus.INVESTIGATING)


class SignalNote(models.Model):
    """A triage note; append-only."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note on signal #{self.signal_id} by {self.author}"
