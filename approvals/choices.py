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


class NotificationKind(models.TextChoices):
    APPROVAL_REQUESTED = "approval_requested", "Approval requested"
    EMERGENCY_ACTIVATED = "emergency_activated", "Emergency access active"
    REQUEST_APPROVED = "request_approved", "Your request was approved"
    REQUEST_REJECTED = "request_rejected", "Your request was rejected"
    REQUEST_EXPIRED = "request_expired", "Your request expired undecided"
    GRANT_EXPIRED = "grant_expired", "Access expired"
    GRANT_REVOKED = "grant_revoked", "Access revoked"
    GRANT_DECOMMISSIONED = "grant_decommissioned", "Access ended: identity decommissioned"


# The notification each decision and each end of a grant sends.
DECIDED_KIND = {
    RequestStatus.APPROVED: NotificationKind.REQUEST_APPROVED,
    RequestStatus.REJECTED: NotificationKind.REQUEST_REJECTED,
}
GRANT_ENDED_KIND = {
    GrantStatus.EXPIRED: NotificationKind.GRANT_EXPIRED,
    GrantStatus.REVOKED: NotificationKind.GRANT_REVOKED,
    GrantStatus.DECOMMISSIONED: NotificationKind.GRANT_DECOMMISSIONED,
}
