"""Platform connectors, the revocation jobs that carry Steward's "access ended" to the
platform, and what discovery last read at the source.

A connector's own credentials never enter the database: an AWS connector uses boto3's
default provider chain, or the NAME of an environment-variable prefix or of a shared-config
profile (the file is named by AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.history import GovernedHistory
from core.models import TimeStampedModel
from core.text_guard import Rule
from identities.models import Credential, Identity, Platform, Team

from .choices import ConnectorKind, JobStatus, RevocationAction, RevocationReason

ID, R, X = Rule.IDENTIFIER, Rule.RECORD, Rule.EXEMPT


class PlatformConnector(TimeStampedModel):
    """At most one connector per platform, configured by an admin."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {"region": ID, "endpoint_url": ID, "credentials_env": ID, "aws_profile": ID}

    platform = models.OneToOneField(Platform, on_delete=models.PROTECT, related_name="connector")
    kind = models.CharField(max_length=20, choices=ConnectorKind.choices)
    enabled = models.BooleanField(default=True)
    configured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The admin on whose authority discovery imports identities.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Team that owns identities discovered at the source (AWS).",
    )
    # --- AWS: where to call, and the NAME of where the keys are (never the keys) ---------
    region = models.CharField(max_length=30, default="us-east-1", blank=True)
    endpoint_url = models.URLField(
        max_length=300, blank=True, help_text="Blank: AWS. Set for an emulator or a proxy."
    )
    credentials_env = models.CharField(
        max_length=60,
        blank=True,
        help_text="Prefix of env vars <PREFIX>_ACCESS_KEY_ID / <PREFIX>_SECRET_ACCESS_KEY. "
        "Blank (and no profile): boto3's default provider chain.",
    )
    aws_profile = models.CharField(
        max_length=100, blank=True, help_text="Profile name in the shared AWS config files."
    )
    # --- webhook: who may acknowledge ----------------------------------------------------
    ack_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The platform's account: its API tokens may acknowledge this platform's "
        "revocations (admins always may).",
    )
    # --- policy ----------------------------------------------------------------------------
    delete_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Delete a disabled credential at the source this many days after it was "
        "disabled. Blank: disable only, never delete.",
    )
    sync_interval_minutes = models.PositiveIntegerField(default=60)
    history = GovernedHistory()

    class Meta:
        ordering = ["platform__name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.platform}"

    def clean(self):
        from identities.secrets import ensure_no_secret_values

        # Names only: a pasted key in any of these is refused.
        ensure_no_secret_values(
            {
                "credentials_env": self.credentials_env,
                "aws_profile": self.aws_profile,
                "endpoint_url": self.endpoint_url,
            }
        )
        if self.credentials_env and not self.credentials_env.replace("_", "").isalnum():
            raise ValidationError(
                {"credentials_env": "Give a variable NAME prefix, e.g. AWS_PROD."}
            )
        if self.kind == ConnectorKind.AWS_IAM and self.platform_id:
            from identities.choices import PlatformKind

            if self.platform.kind != PlatformKind.AWS:
                raise ValidationError({"kind": "An AWS IAM connector needs an AWS platform."})


class SyncRun(models.Model):
    """One discovery run of a connector (an operations log, not a governed record: the
    identities it imports carry their own history)."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {"error": X, "counts": R}

    connector = models.ForeignKey(PlatformConnector, on_delete=models.CASCADE, related_name="syncs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    error = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connector", "-started_at"])]

    def __str__(self) -> str:
        return f"sync of {self.connector} at {self.started_at:%Y-%m-%d %H:%M}"


class SourceCredential(models.Model):
    """A credential as discovery last read it at the source (overwritten by each sync: an
    observation, not a governed record). `credential` is Steward's matching record."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {
        "principal": ID,
        "slot": ID,
        "key_id": ID,
        "status": ID,
        "last_used_service": ID,
        "last_used_region": ID,
    }

    connector = models.ForeignKey(
        PlatformConnector, on_delete=models.CASCADE, related_name="source_credentials"
    )
    principal = models.CharField(max_length=500, help_text="The principal's external id (ARN).")
    slot = models.CharField(max_length=30)
    key_id = models.CharField(max_length=200, help_text="The access key id (public).")
    status = models.CharField(max_length=20)
    created_at_source = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_service = models.CharField(max_length=100, blank=True)
    last_used_region = models.CharField(max_length=50, blank=True)
    password_enabled = models.BooleanField(default=False)
    mfa_active = models.BooleanField(default=False)
    credential = models.ForeignKey(
        Credential, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField()

    class Meta:
        ordering = ["principal", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "key_id"], name="source_credential_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.status})"


class RevocationJob(TimeStampedModel):
    """Carries one ended credential to its platform. Durable and history-tracked: created by
    the planning query (connectors.planning), claimed by a conditional UPDATE, run outside
    any transaction, recorded after. Never deleted."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {
        "last_error": X,
        "platform_request_id": ID,
        "platform_reference": ID,
        "source_state": ID,
    }

    connector = models.ForeignKey(
        PlatformConnector, on_delete=models.PROTECT, related_name="revocations"
    )
    credential = models.ForeignKey(
        Credential, on_delete=models.PROTECT, related_name="revocation_jobs"
    )
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(
        max_length=10, choices=RevocationAction.choices, default=RevocationAction.DISABLE
    )
    reason = models.CharField(max_length=30, choices=RevocationReason.choices)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The platform's answer.
    platform_request_id = models.CharField(max_length=200, blank=True)
    platform_reference = models.CharField(max_length=200, blank=True)
    source_state = models.CharField(max_length=40, blank=True, help_text="State read back.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "action"], name="revocation_once_per_credential_action"
            ),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.DONE) | Q(confirmed_at__isnull=False),
                name="revocation_done_is_confirmed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["connector", "status"]),
            models.Index(fields=["identity", "status"]),
        ]

    def __str__(self) -> str:
        return f"Revocation #{self.pk}: {self.get_action_display()} ({self.get_status_display()})"
