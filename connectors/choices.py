from django.db import models


class ConnectorKind(models.TextChoices):
    AWS_IAM = "aws_iam", "AWS IAM (built in)"
    WEBHOOK = "webhook", "Signed webhook + acknowledgement API"


class RevocationAction(models.TextChoices):
    DISABLE = "disable", "Disable at the source"
    DELETE = "delete", "Delete at the source (after the grace period)"


class RevocationReason(models.TextChoices):
    CREDENTIAL_REVOKED = "credential_revoked", "Credential revoked"
    CREDENTIAL_EXPIRED = "credential_expired", "Credential expired"
    GRANT_ENDED = "grant_ended", "Grant ended"
    IDENTITY_SUSPENDED = "identity_suspended", "Identity suspended"
    IDENTITY_DECOMMISSIONED = "identity_decommissioned", "Identity decommissioned"
    GRACE_PASSED = "grace_passed", "Grace period after disabling passed"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    AWAITING_ACK = "awaiting_ack", "Waiting for the platform"
    DONE = "done", "Confirmed by the platform"
    FAILED = "failed", "Failed (gave up retrying)"


OPEN_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.AWAITING_ACK, JobStatus.FAILED)


class AckOutcome(models.TextChoices):
    DONE = "done", "Done: disabled at the platform"
    FAILED = "failed", "Failed: the platform could not"


class NotificationKind(models.TextChoices):
    # the webhook platform's revocation request (POSTed to subscribed hooks)
    REVOCATION_REQUESTED = "credential.revocation_requested", "Revocation requested"
    REVOCATION_FAILING = "revocation_failing", "Revocation keeps failing"
