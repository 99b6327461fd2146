from django.db import models


class DomainKey(models.TextChoices):
    """The seeded control domains (ControlDomain.key). Admins may add more."""

    IDENTITY = "identity", "Identity (IAM)"
    RUNTIME_POLICY = "runtime_policy", "Runtime policy (platform security)"
    CONSUMPTION = "consumption", "Consumption oversight (finance)"
    ENGINEERING = "engineering", "Service behaviour & release lifecycle (engineering)"
    EXCEPTIONS = "exceptions", "Policy exceptions & emergency access"


class Role(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


ROLE_ORDER = ("R", "A", "C", "I")
TEAM_ASSIGNABLE_ROLES = frozenset({"R", "C", "I"})


class Scope(models.TextChoices):
    GLOBAL = "global", "Global"
    PLATFORM = "platform", "Platform"
    TEAM = "team", "Team"
    IDENTITY = "identity", "Identity"


# Most specific first: the effective owner resolves identity > team > platform > global.
SCOPE_PRECEDENCE = (Scope.IDENTITY, Scope.TEAM, Scope.PLATFORM, Scope.GLOBAL)


class GapReason(models.TextChoices):
    NO_ACCOUNTABLE = "no_accountable", "No accountable owner"
    INACTIVE_ACCOUNTABLE = "inactive_accountable", "Accountable owner is deactivated"


# The domains whose A and R may change an identity; C and I of these may view it.
PERMISSION_DOMAINS = (DomainKey.IDENTITY, DomainKey.ENGINEERING)
# Identities in these statuses are governed (gaps, permissions); the others have ended.
GOVERNED_STATUSES = ("pending", "active", "suspended")
