from django.db import models


class ExpiryAction(models.TextChoices):
    NOTIFY = "notify", "Remind and escalate only"
    EXPIRE = "expire", "Mark the credential expired"


class NotificationKind(models.TextChoices):
    ROTATION_DUE = "rotation_due", "Rotation due"
    ROTATION_OVERDUE = "rotation_overdue", "Rotation overdue"
    ROTATION_ESCALATED = "rotation_escalated", "Rotation overdue: escalated to the A"
    CREDENTIAL_EXPIRED = "credential_expired", "Credential expired"
    DECOMMISSION_DUE = "decommission_due", "Identity past its end date"
    UNUSED = "identity_unused", "Identity unused"
    SUSPENDED = "identity_suspended", "Identity suspended past its end date"
    GAP_ESCALATED = "ownership_gap", "Ownership gap"
    REVIEW_OVERDUE = "review_overdue", "Post-incident review overdue"
    SWEEP_FAILED = "sweep_failed", "A sweep failed"


# --- access reviews ---------------------------------------------------------------------------
class ReviewerRule(models.TextChoices):
    ACCOUNTABLE = "A", "The A of the identity domain"
    RESPONSIBLE = "R", "An R of the identity domain (else the A)"


class OverdueRule(models.TextChoices):
    ESCALATE = "escalate", "Escalate to the domain's global A (or admins)"
    GAP = "gap", "Mark the identity as an ownership gap"
    SUSPEND = "suspend", "Suspend the identity"


class CampaignStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ReviewDecision(models.TextChoices):
    KEEP = "keep", "Keep (attest)"
    CHANGE = "change", "Change"
    END = "end", "Let it end"
    DECOMMISSION = "decommission", "Decommission"


class OverdueAction(models.TextChoices):
    NONE = "", "—"
    ESCALATED = "escalated", "Escalated"
    GAP = "gap", "Marked as a gap"
    SUSPENDED = "suspended", "Suspended"


class ReviewNotificationKind(models.TextChoices):
    ASSIGNED = "review_assigned", "Access review assigned"
    DUE = "review_due", "Access review due"
    ESCALATED = "review_escalated", "Access review overdue: escalated"
