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
