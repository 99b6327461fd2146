"""The inventory: teams, platforms, identities, credential metadata and the identity timeline.

Steward never stores a secret value: credentials are metadata only (see `secrets.py`).
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.history import AppendOnlyManager, GovernedHistory
from core.models import TimeStampedModel

from .choices import (
    CredentialKind,
    CredentialStatus,
    Environment,
    EventKind,
    FindingKind,
    IdentityKind,
    IdentityStatus,
    PlatformKind,
    RiskTier,
)


class Team(TimeStampedModel):
    """A team; its members are the users in its Django group (`team:<slug>`)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team")
    history = GovernedHistory()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("identities:team", args=[self.pk])


class Platform(TimeStampedModel):
    """Where identities live: a cluster, a cloud account, an API gateway, a SaaS, a CI system."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=PlatformKind.choices)
    owning_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="platforms"
    )
    description = models.TextField(blank=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("identities:platform", args=[self.pk])


class Identity(TimeStampedModel):
    """One non-human principal, bound to a traceable external id unique per platform."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    external_id = models.CharField(
        max_length=500, help_text="ARN, SPIFFE id, OAuth client id, namespace/name, ..."
    )
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="identities")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="identities")
    environment = models.CharField(max_length=20, choices=Environment.choices)
    purpose = models.TextField(help_text="The approved purpose: what it does and why.")
    risk_tier = models.CharField(max_length=10, choices=RiskTier.choices, default=RiskTier.MEDIUM)
    entitlements = models.JSONField(default=list, blank=True, help_text="Scopes / permissions.")
    status = models.CharField(
        max_length=20, choices=IdentityStatus.choices, default=IdentityStatus.PENDING
    )
    ends_on = models.DateField(null=True, blank=True, help_text="Task-bound identities end here.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = GovernedHistory()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "identities"
        # Materialised by governance for the accountable owner (A) of the identity domain.
        permissions = [("own_identity", "Is the accountable owner of this identity")]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="identity_external_id_unique_per_platform"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"]),
            models.Index(fields=["status", "ends_on"]),
            models.Index(fields=["platform", "status"]),
            # the list's default order: a page of the whole registry is an index scan
            models.Index(fields=["name", "id"], name="identity_list_order"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("identities:detail", args=[self.pk])

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        # The team and platform as loaded, so a save can tell whether ownership moved
        # (derived ownership data is re-materialised only then).
        instance = super().from_db(db, field_names, values)
        instance.loaded_scope = scope_of(instance)
        return instance


def scope_of(identity: "Identity") -> tuple:
    """(team id, platform id) of an identity, None for a deferred one."""
    return (identity.__dict__.get("team_id"), identity.__dict__.get("platform_id"))


class Credential(TimeStampedModel):
    """Metadata about a secret or token issued to an identity — never the secret itself."""

    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField(max_length=30, choices=CredentialKind.choices)
    label = models.CharField(max_length=200, help_text="What it is, e.g. 'deploy key'.")
    key_id = models.CharField(
        max_length=200, blank=True, help_text="Public identifier, e.g. an access key id."
    )
    storage_location = models.CharField(
        max_length=500, blank=True, help_text="Vault path or secret-manager ARN."
    )
    fingerprint = models.CharField(max_length=200, blank=True, help_text="e.g. SHA256:…")
    last_chars = models.CharField(max_length=6, blank=True, help_text="Up to 6 trailing chars.")
    status = models.CharField(
        max_length=10, choices=CredentialStatus.choices, default=CredentialStatus.ACTIVE
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    history = GovernedHistory()

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["identity", "status"]),
            # The default order: a list of every credential (an admin's API page at 300,000
            # credentials) reads 50 rows by it instead of sorting them all (0.25 s).
            models.Index(fields=["-issued_at", "-id"], name="credential_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_kind_display()})"

    @property
    def age_days(self) -> int:
        return (timezone.now() - self.issued_at).days

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class LifecycleEvent(models.Model):
    """The identity timeline: append-only. Services write it; nothing updates or deletes it."""

    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=300)
    credential = models.ForeignKey(
        Credential, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # Objects of higher apps (a request, a grant, a review), by label and primary key.
    related_type = models.CharField(max_length=50, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyManager()  # bulk rows reach the evidence ledger

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["identity", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Lifecycle events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Lifecycle events are append-only.")


class IdentityFinding(TimeStampedModel):
    """Something about an identity its owner must resolve (e.g. an IAM user with a console
    password: a human in a non-human's clothes). Raised by importers; resolved with a reason
    by the identity's owner (A/R) or an admin. At most one open finding per kind."""

    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(max_length=30, choices=FindingKind.choices)
    detail = models.CharField(max_length=300)
    source = models.CharField(max_length=50, help_text="What raised it, e.g. import:aws.")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True, help_text="Why it is resolved (required).")
    history = GovernedHistory()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="identity_finding_one_open_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["identity", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({'resolved' if self.resolved_at else 'open'})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# django-guardian direct-FK object permissions, materialised from the RACI matrix.
class IdentityUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Identity, on_delete=models.CASCADE)


class IdentityGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Identity, on_delete=models.CASCADE)


# --- importers --------------------------------------------------------------------------
class ImportFormat(models.TextChoices):
    STEWARD_CSV = "steward-csv", "Steward CSV"
    STEWARD_JSON = "steward-json", "Steward JSON"
    AWS = "aws", "AWS IAM credential report (CSV)"
    K8S = "k8s", "Kubernetes service accounts (kubectl -o json)"


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be planned"
    PLANNING = "planning", "Planning"
    READY = "ready", "Preview ready"
    APPLYING = "applying", "Applying"
    DONE = "done", "Applied"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ImportJob(TimeStampedModel):
    """One uploaded import file: its preview (plan) and, once applied, its outcome.

    The file is kept as text only while the job is open (it is checked for secret values
    before it is stored, so a file that carries one is never kept) so a worker can plan and
    apply it; `content` and `rows` are dropped once the job is applied, cancelled or failed
    (`counts`, `errors` and `message` stay). `processed` / `total` feed the progress bar.
    Not a governed model: the identities it writes carry the history.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="import_jobs"
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="import_jobs"
    )
    options = models.JSONField(default=dict, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=dict, blank=True, help_text="Row reference → messages.")
    rows = models.JSONField(default=list, blank=True, help_text="The planned rows (preview).")
    message = models.TextField(blank=True, help_text="Why the job failed, if it did.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.get_format_display()}, {self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 0

    @property
    def is_running(self) -> bool:
        return self.status in (
            ImportJobStatus.PENDING,
            ImportJobStatus.PLANNING,
            ImportJobStatus.APPLYING,
        )
