"""Reads for the approval-policy pages: the policies, and each policy's versions as history
keeps them — author, time, reason, and what changed from the version before, in words."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404

from core.roles import can_read_all
from core.templatetags.steward import hours_human
from governance.models import ControlDomain
from identities.choices import RiskTier

from .models import ApprovalPolicy, PolicyEvaluation

# What a version page shows as changed: the fields an admin edits (services.POLICY_FIELDS).
SHOWN_FIELDS = ("name", "description", "approver_domain", *ApprovalPolicy.RULE_FIELDS)
# How people name the rules, on the version diff and the edit form alike.
LABELS = {
    "approver_domain": "Approver domain",
    "approver_roles": "Who approves",
    "approvals_by_risk": "Approvals by risk tier",
    "max_duration_hours": "Longest duration",
    "default_duration_hours": "Default duration",
    "requires_justification": "Requires a justification",
    "requires_compensating_controls": "Requires compensating controls",
    "requires_incident_reference": "Requires an incident reference",
    "break_glass": "Break-glass (active at once, reviewed after)",
    "post_incident_review_hours": "Post-incident review within",
    "pending_expiry_hours": "A pending request expires after",
}
HOUR_FIELDS = {
    "max_duration_hours",
    "default_duration_hours",
    "post_incident_review_hours",
    "pending_expiry_hours",
}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Version:
    version: int
    author: object  # a User or None (a data migration)
    at: object
    reason: str
    changes: list[Change] = field(default_factory=list)
    evaluations: int = 0


def policy_list(*, user):
    """Admins and auditors read the policies; the rest see them through their requests."""
    if not can_read_all(user):
        raise PermissionDenied
    return ApprovalPolicy.objects.select_related("approver_domain").order_by("kind")


def policy_get(*, user, pk) -> ApprovalPolicy:
    try:
        return policy_list(user=user).get(pk=pk)
    except (ApprovalPolicy.DoesNotExist, ValueError, TypeError):
        raise Http404("No such approval policy.") from None


def policy_versions(*, policy: ApprovalPolicy) -> list[Version]:
    """Newest first. Three queries whatever the number of versions."""
    rows = list(policy.history.select_related("history_user").order_by("history_id"))
    domains = dict(ControlDomain.objects.values_list("pk", "name"))
    used = dict(
        PolicyEvaluation.objects.filter(policy=policy)
        .values("policy_version")
        .annotate(n=Count("id"))
        .values_list("policy_version", "n")
    )
    versions, previous = [], None
    for row in rows:
        changes = [] if previous is None else [
            Change(_label(name), _shown(name, getattr(previous, _attr(name)), domains),
                   _shown(name, getattr(row, _attr(name)), domains))
            for name in SHOWN_FIELDS
            if getattr(previous, _attr(name)) != getattr(row, _attr(name))
        ]  # fmt: skip
        versions.append(
            Version(
                version=row.version,
                author=row.history_user,
                at=row.history_date,
                reason=_reason(row),
                changes=changes,
                evaluations=used.get(row.version, 0),
            )
        )
        previous = row
    return versions[::-1]


def _attr(name: str) -> str:
    return ApprovalPolicy._meta.get_field(name).attname


def _label(name: str) -> str:
    return LABELS.get(name) or str(ApprovalPolicy._meta.get_field(name).verbose_name).capitalize()


def _reason(row) -> str:
    """The admin's words: versioned_update stores 'v<n> by <actor>: <reason>'."""
    stored = row.history_change_reason or ""
    prefix = f"v{row.version} by "
    return stored.split(": ", 1)[1] if stored.startswith(prefix) and ": " in stored else stored


def _shown(name: str, value, domains: dict) -> str:
    """A value as people read it: labels, names and durations, never keys or ids."""
    if value is None or value == "":
        return "—"
    model_field = ApprovalPolicy._meta.get_field(name)
    if name == "approver_domain":
        return domains.get(value, f"(deleted domain {value})")
    if name == "approvals_by_risk":
        return approvals_by_risk_text(value)
    if name in HOUR_FIELDS:
        return hours_human(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def approvals_by_risk_text(by_risk: dict) -> str:
    """'Critical: 2; others: 1' in the domain's tier order."""
    named = [f"{label}: {by_risk[tier]}" for tier, label in RiskTier.choices if tier in by_risk]
    if not named:
        return "1 for every tier"
    return "; ".join(named if len(named) == len(RiskTier) else [*named, "others: 1"])
