from django.db import models


class SignalKind(models.TextChoices):
    SPIKE = "spike", "Spike against its own baseline"
    INACTIVE_IDENTITY = "inactive_identity", "Usage by a suspended or decommissioned identity"
    AFTER_CREDENTIALS_ENDED = "after_credentials_ended", "Usage after every credential ended"
    UNATTRIBUTED = "unattributed", "Unattributed spend"
    NO_CONSUMPTION_OWNER = "no_consumption_owner", "Spend with no consumption owner"


class SignalStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


UNRESOLVED = (SignalStatus.OPEN, SignalStatus.INVESTIGATING)
# Allowed triage transitions; services enforce them.
SIGNAL_TRANSITIONS: dict[str, set[str]] = {
    SignalStatus.OPEN: {SignalStatus.INVESTIGATING, SignalStatus.RESOLVED, SignalStatus.DISMISSED},
    SignalStatus.INVESTIGATING: {SignalStatus.RESOLVED, SignalStatus.DISMISSED, SignalStatus.OPEN},
    SignalStatus.RESOLVED: {SignalStatus.OPEN},
    SignalStatus.DISMISSED: {SignalStatus.OPEN},
}


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


# One notification kind per signal kind (usage_<signal kind>): a new signal kind has one too.
NotificationKind = models.TextChoices(
    "NotificationKind",
    [(k.name, (f"usage_{k.value}", f"Usage signal: {k.label}")) for k in SignalKind],
)
