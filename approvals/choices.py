from django.db import models


class RequestKind(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    EXCEPTION = "exception", "Policy exception"
    EMERGENCY = "emergency", "Emergency access"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired (no decision)"
    CANCELLED = "cancelled", "Cancelled"


class ApproverRoles(models.TextChoices):
    ACCOUNTABLE = "A", "The accountable owner (A)"
    ACCOUNTABLE_OR_RESPONSIBLE = "AR", "The A or an R"


class Outcome(models.TextChoices):
    NEEDS_APPROVAL = "needs_approval", "Needs approval"
    ACTIVE_AT_ONCE = "active_at_once", "Active at once (break-glass), review after"
    REFUSED = "refused", "Refused by policy"


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class GrantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    DECOMMISSIONED = "decommissioned", "Ended: identity decommissioned"


ENDED_GRANT_STATUSES = (GrantStatus.EXPIRED, GrantStatus.REVOKED, GrantStatus.DECOMMISSIONED)
