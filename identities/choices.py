from django.db import models


class IdentityKind(models.TextChoices):
    AI_AGENT = "ai_agent", "AI agent"
    API_CLIENT = "api_client", "API client"
    SERVICE_ACCOUNT = "service_account", "Service account"
    WORKLOAD = "workload", "Workload"
    BOT = "bot", "Automation / bot"
    OAUTH_APP = "oauth_app", "OAuth / third-party app"


class IdentityStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DECOMMISSIONED = "decommissioned", "Decommissioned"
    REJECTED = "rejected", "Rejected"


# Allowed status transitions; services enforce them.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    IdentityStatus.PENDING: {IdentityStatus.ACTIVE, IdentityStatus.REJECTED},
    IdentityStatus.ACTIVE: {IdentityStatus.SUSPENDED, IdentityStatus.DECOMMISSIONED},
    IdentityStatus.SUSPENDED: {IdentityStatus.ACTIVE, IdentityStatus.DECOMMISSIONED},
    IdentityStatus.DECOMMISSIONED: set(),
    IdentityStatus.REJECTED: set(),
}


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    DEVELOPMENT = "development", "Development"
    TEST = "test", "Test"


class RiskTier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class PlatformKind(models.TextChoices):
    KUBERNETES = "kubernetes", "Kubernetes cluster"
    AWS = "aws", "AWS account"
    GCP = "gcp", "GCP project"
    AZURE = "azure", "Azure subscription"
    API_GATEWAY = "api_gateway", "API gateway"
    SAAS = "saas", "SaaS"
    CI = "ci", "CI system"
    AI_PLATFORM = "ai_platform", "AI platform"
    OTHER = "other", "Other"


class CredentialKind(models.TextChoices):
    API_KEY = "api_key", "API key"
    ACCESS_KEY = "access_key", "Cloud access key"
    OAUTH_CLIENT_SECRET = "oauth_client_secret", "OAuth client secret"
    TOKEN = "token", "Bearer / personal access token"
    CERTIFICATE = "certificate", "X.509 certificate"
    SSH_KEY = "ssh_key", "SSH key"
    SERVICE_ACCOUNT_KEY = "service_account_key", "Service account key"


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ROTATED = "rotated", "Rotated (superseded)"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class EventKind(models.TextChoices):
    ONBOARDED = "onboarded", "Onboarded"
    UPDATED = "updated", "Details changed"
    STATUS_CHANGED = "status_changed", "Status changed"
    CREDENTIAL_ISSUED = "credential_issued", "Credential issued"
    CREDENTIAL_ROTATED = "credential_rotated", "Credential rotated"
    CREDENTIAL_REVOKED = "credential_revoked", "Credential revoked"
    CREDENTIAL_EXPIRED = "credential_expired", "Credential expired"
    IMPORTED = "imported", "Imported"
    OWNER_CHANGED = "owner_changed", "Owner changed"
    GRANT_ACTIVATED = "grant_activated", "Grant activated"
    GRANT_EXPIRED = "grant_expired", "Grant expired"
    GRANT_REVOKED = "grant_revoked", "Grant revoked"
    TOKENS_REVOKED = "tokens_revoked", "Runtime tokens revoked"
    REQUEST_SUBMITTED = "request_submitted", "Request submitted"
    REQUEST_DECIDED = "request_decided", "Request decided"
    REVIEWED = "reviewed", "Reviewed"
    SUSPENDED = "suspended", "Suspended"
    DECOMMISSIONED = "decommissioned", "Decommissioned"


class FindingKind(models.TextChoices):
    """Something about an identity that its owner must look at and resolve (see findings.py)."""

    CONSOLE_ACCESS = "console_access", "Console sign-in: a human may be using it"
