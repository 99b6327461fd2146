"""Rotation policies: per credential kind and risk tier, the maximum age, when to remind and
what happens at expiry. The sweeps apply them (sweeps.py)."""

from django.db import models

from core.history import GovernedHistory
from core.models import TimeStampedModel
from identities.choices import CredentialKind, RiskTier

from .choices import ExpiryAction


class RotationPolicy(TimeStampedModel):
    credential_kind = models.CharField(max_length=30, choices=CredentialKind.choices)
    risk_tier = models.CharField(max_length=10, choices=RiskTier.choices)
    max_age_days = models.PositiveIntegerField(help_text="Rotate at the latest after this long.")
    reminder_days = models.JSONField(
        default=list, help_text="Reminder lead times before the due date, in days, e.g. [30, 7, 1]."
    )
    escalate_after_days = models.PositiveIntegerField(
        default=3, help_text="Overdue this long → escalate to the accountable owner."
    )
    action_at_expiry = models.CharField(
        max_length=10, choices=ExpiryAction.choices, default=ExpiryAction.EXPIRE
    )
    history = GovernedHistory()

    class Meta:
        verbose_name_plural = "rotation policies"
        ordering = ["credential_kind", "risk_tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["credential_kind", "risk_tier"], name="one_rotation_policy_per_kind_tier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_credential_kind_display()} / {self.get_risk_tier_display()}"

    @property
    def leads(self) -> list[int]:
        return sorted({int(d) for d in self.reminder_days if int(d) >= 0}, reverse=True)


class SweepFailure(models.Model):
    """A row a sweep could not handle (or a sweep that failed as a whole: subject_id 0), with
    the error. The row is retried on the next run; the failure is resolved when a later run
    handles it. Operational, not governed: no history (the row it names keeps its own)."""

    sweep = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.PositiveBigIntegerField(default=0)
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sweep", "subject_type", "subject_id"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_failure_per_sweep_row",
            )
        ]

    def __str__(self) -> str:
        what = f"{self.subject_type} #{self.subject_id}" if self.subject_id else "the sweep"
        return f"{self.sweep} sweep failed on {what}"


from .reviews.models import ReviewCampaign, ReviewItem, ReviewSchedule  # noqa: E402

__all__ = ["ReviewCampaign", "ReviewItem", "ReviewSchedule", "RotationPolicy", "SweepFailure"]
