"""Approval policies (versioned), requests, their evaluation at request time, decisions and the
time-bound grants an approval gives."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.history import AppendOnlyManager, GovernedHistory
from core.models import TimeStampedModel
from core.notifications import pk_linker
from identities.models import Credential, Identity

from .choices import (
    ApproverRoles,
    DecisionOutcome,
    GrantStatus,
    Outcome,
    RequestKind,
    RequestStatus,
)


class ApprovalPolicy(TimeStampedModel):
    """Per request kind: who approves, how many approvals by risk tier, how long at most.

    `version` increases with every change (services), and history keeps each version, so an
    evaluation names the exact version it applied."""

    kind = models.CharField(max_length=20, choices=RequestKind.choices, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    approver_domain = models.ForeignKey(
        "governance.ControlDomain", on_delete=models.PROTECT, related_name="approval_policies"
    )
    approver_roles = models.CharField(
        max_length=2, choices=ApproverRoles.choices, default=ApproverRoles.ACCOUNTABLE
    )
    approvals_by_risk = models.JSONField(
        default=dict, help_text='Approvals needed per risk tier, e.g. {"critical": 2}; default 1.'
    )
    max_duration_hours = models.PositiveIntegerField()
    default_duration_hours = models.PositiveIntegerField()
    requires_justification = models.BooleanField(default=True)
    requires_compensating_controls = models.BooleanField(default=False)
    requires_incident_reference = models.BooleanField(default=False)
    break_glass = models.BooleanField(
        default=False, help_text="Active at once, before approval; reviewed after."
    )
    post_incident_review_hours = models.PositiveIntegerField(null=True, blank=True)
    pending_expiry_hours = models.PositiveIntegerField(
        default=168, help_text="A pending request expires after this long."
    )
    history = GovernedHistory()

    # The rules an evaluation applies: snapshotted with each evaluation, changed by admins.
    RULE_FIELDS = (
        "approver_roles",
        "approvals_by_risk",
        "max_duration_hours",
        "default_duration_hours",
        "requires_justification",
        "requires_compensating_controls",
        "requires_incident_reference",
        "break_glass",
        "post_incident_review_hours",
        "pending_expiry_hours",
    )

    class Meta:
        verbose_name_plural = "approval policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(default_duration_hours__lte=F("max_duration_hours")),
                name="policy_default_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("approvals:policy", args=[self.pk])

    def approvals_needed(self, risk_tier: str) -> int:
        return max(1, int(self.approvals_by_risk.get(risk_tier, 1)))


class Request(TimeStampedModel):
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    justification = models.TextField(blank=True)
    # exception: which policy is excepted and the compensating controls
    excepted_policy = models.CharField(max_length=200, blank=True)
    scope = models.CharField(max_length=300, blank=True, help_text="What the request covers.")
    compensating_controls = models.TextField(blank=True)
    # emergency: what access and the incident
    access_requested = models.CharField(max_length=300, blank=True)
    # Runtime scopes the grant covers (approvals.scopes): the token endpoint matches a gated
    # scope against these, never against the free text above.
    scopes = models.JSONField(
        default=list, blank=True, help_text="OAuth scopes workloads may get tokens for."
    )
    incident_reference = models.CharField(max_length=100, blank=True)
    requested_start = models.DateTimeField()
    requested_end = models.DateTimeField()
    approvals_required = models.PositiveSmallIntegerField(default=1)
    renews = models.ForeignKey(
        "Grant", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals"
    )
    expires_at = models.DateTimeField(help_text="A pending request expires here.")
    decided_at = models.DateTimeField(null=True, blank=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["identity", "status"]),
            models.Index(fields=["requester", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_end__gt=F("requested_start")), name="request_end_after_start"
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("approvals:request", args=[self.pk])

    @staticmethod
    def urls(pks) -> dict[int, str]:
        """{pk: `get_absolute_url()`} of many requests, the URL resolved once (`pk_linker`): a
        sweep links thousands."""
        link = pk_linker("approvals:request")
        return {pk: link(pk) for pk in pks}

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} for {self.identity}"

    @property
    def requested_hours(self) -> float:
        return (self.requested_end - self.requested_start).total_seconds() / 3600


class PolicyEvaluation(models.Model):
    """What the policy said at request time: policy + exact version, inputs, outcome, reasons.
    Written once, never changed."""

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="evaluation")
    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.PROTECT, related_name="+")
    policy_version = models.PositiveIntegerField()
    policy_snapshot = models.JSONField(help_text="The rules as they were at this version.")
    inputs = models.JSONField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reasons = models.JSONField(default=list)
    evaluated_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyManager()  # bulk rows reach the evidence ledger

    def __str__(self) -> str:
        return f"{self.policy.kind} v{self.policy_version}: {self.outcome}"


class Decision(models.Model):
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="decisions")
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=DecisionOutcome.choices)
    comment = models.TextField(blank=True)
    entitled_as = models.CharField(
        max_length=300, help_text="The role that entitled the decider, resolved at decision time."
    )
    granted_start = models.DateTimeField(null=True, blank=True)
    granted_end = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    history = GovernedHistory()

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "decider"], name="one_decision_per_decider"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.decider} on #{self.request_id}"


class Grant(TimeStampedModel):
    """What an approved request gives, for how long. Every grant ends; Steward ends it."""

    request = models.OneToOneField(Request, on_delete=models.PROTECT, related_name="grant")
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="grants")
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        max_length=20, choices=GrantStatus.choices, default=GrantStatus.ACTIVE
    )
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=500, blank=True)
    review_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Post-incident review deadline (break-glass)."
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_notes = models.TextField(blank=True)
    credentials = models.ManyToManyField(
        Credential, through="GrantCredential", related_name="grants", blank=True
    )
    history = GovernedHistory()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["review_due_at", "reviewed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("starts_at")), name="grant_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} grant #{self.pk} for {self.identity}"

    @property
    def scopes(self) -> list[str]:
        """The runtime scopes its request asked for (and its deciders approved)."""
        return self.request.scopes

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        return self.status == GrantStatus.ACTIVE and self.starts_at <= now < self.expires_at


class GrantCredential(models.Model):
    """A credential issued under a grant (evidence: which secret under which approval)."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT)
    credential = models.OneToOneField(Credential, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyManager()  # bulk rows reach the evidence ledger

    def __str__(self) -> str:
        return f"{self.credential} under {self.grant}"
