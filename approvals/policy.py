"""Policy evaluation at request time. Pure reading: the caller stores the result."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.forms.models import model_to_dict
from django.urls import reverse

from governance.choices import Role
from governance.selectors import deciders_for, identity_owners
from identities.choices import IdentityStatus
from identities.models import Identity

from .choices import ApproverRoles, GrantStatus, Outcome, RequestKind
from .models import ApprovalPolicy, Grant

# Which identity statuses each kind of request may be made for.
ALLOWED_STATUSES = {
    RequestKind.ONBOARDING: {IdentityStatus.PENDING},
    RequestKind.EXCEPTION: {IdentityStatus.ACTIVE},
    RequestKind.EMERGENCY: {IdentityStatus.ACTIVE, IdentityStatus.SUSPENDED},
}
REQUIRED_FIELDS = {
    RequestKind.EXCEPTION: ("excepted_policy", "scope"),
    RequestKind.EMERGENCY: ("access_requested",),
}
CLOCK_SKEW_MINUTES = 5
SNAPSHOT_FIELDS = ("kind", "version", *ApprovalPolicy.RULE_FIELDS)


@dataclass
class Evaluation:
    policy: ApprovalPolicy
    outcome: str
    reasons: list[str]
    inputs: dict
    approvals_required: int
    deciders: set[int] = field(default_factory=set)

    @property
    def refused(self) -> bool:
        return self.outcome == Outcome.REFUSED

    @property
    def snapshot(self) -> dict:
        data = model_to_dict(self.policy, fields=SNAPSHOT_FIELDS)
        data["approver_domain"] = self.policy.approver_domain.key
        return data


def with_article(phrase: str) -> str:
    """'an emergency access', 'a pending': the indefinite article a phrase takes (by its
    first letter — our labels have no silent h or 'u' read as 'you')."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def deciders_phrase(policy: ApprovalPolicy) -> str:
    """Who decides under `policy`, to follow 'the effective': 'accountable owner (A)'."""
    if policy.approver_roles == ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE:
        return "accountable owner (A) or a responsible (R)"
    return "accountable owner (A)"


# Why a status cannot ask, in the words the refusal continues with.
STATUS_WHY = {
    IdentityStatus.PENDING: "its onboarding must be approved first",
    IdentityStatus.SUSPENDED: "emergency access is still possible",
    IdentityStatus.DECOMMISSIONED: "its access has ended for good",
    IdentityStatus.REJECTED: "its onboarding was rejected",
}


def status_refusal(kind: str, identity: Identity) -> str:
    """'' when an identity in its status may be the subject of a `kind` request, else the
    sentence that says why not: pages hide what this refuses, the evaluation refuses it."""
    if identity.status in ALLOWED_STATUSES[kind]:
        return ""
    label = with_article(RequestKind(kind).label.lower()).capitalize()
    status = with_article(identity.get_status_display().lower())
    why = STATUS_WHY.get(identity.status)
    return f"{label} request cannot be made for {status} identity" + (f": {why}." if why else ".")


def quorum_shortfall(policy: ApprovalPolicy, identity: Identity, eligible: int, needed: int) -> str:
    """The quorum cannot be reached: say so, and who could be added where."""
    risk = with_article(identity.get_risk_tier_display().lower())
    have = f"{eligible} eligible " + ("approver exists" if eligible == 1 else "approvers exist")
    domain = policy.approver_domain.name
    if policy.approver_roles == ApproverRoles.ACCOUNTABLE:
        fix = (
            f"only the A decides under this policy, so an admin lets a responsible (R) approve "
            f"too (approval policy “{policy.name}”) and adds one for {domain} in the RACI matrix"
        )
    else:
        fix = (
            f"an admin adds a responsible (R) for {domain} on this identity, team "
            f"{identity.team} or platform {identity.platform} in the RACI matrix"
        )
    return (
        f"Needs {needed} approvals for {risk}-risk identity but only {have}. "
        f"To reach {needed}, {fix} ({reverse('governance:matrix')})."
    )


def decider_roles(policy: ApprovalPolicy) -> tuple[str, ...]:
    if policy.approver_roles == ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE:
        return (Role.ACCOUNTABLE, Role.RESPONSIBLE)
    return (Role.ACCOUNTABLE,)


def evaluate(
    *,
    policy: ApprovalPolicy,
    identity: Identity,
    requester,
    requested_start: dt.datetime,
    requested_end: dt.datetime,
    fields: dict,
    now: dt.datetime,
    renewal: bool = False,
) -> Evaluation:
    domain_key = policy.approver_domain.key
    raci = identity_owners(identity=identity).get(domain_key)
    deciders = deciders_for(identity=identity, domain_key=domain_key, roles=decider_roles(policy))
    eligible = deciders - {requester.pk}
    hours = (requested_end - requested_start).total_seconds() / 3600
    needed = policy.approvals_needed(identity.risk_tier)
    reasons = [
        *_window_refusals(policy, identity, requested_start, requested_end, now, renewal),
        *_field_refusals(policy, fields),
        *_approver_refusals(policy, identity, raci, eligible, needed),
    ]

    if reasons:
        outcome = Outcome.REFUSED
    elif policy.break_glass and not renewal:
        # Break-glass opens access once; extending it is a decision for the owner, so
        # emergency access cannot be chained without anyone approving it.
        outcome = Outcome.ACTIVE_AT_ONCE
    else:
        outcome = Outcome.NEEDS_APPROVAL
    inputs = {
        "identity": {"id": identity.pk, "external_id": identity.external_id},
        "identity_status": identity.status,
        "risk_tier": identity.risk_tier,
        "requester": requester.get_username(),
        "requested_start": requested_start.isoformat(),
        "requested_end": requested_end.isoformat(),
        "requested_hours": round(hours, 2),
        "effective_owners": _owners(raci),
        "eligible_approvers": len(eligible),
        "renewal": renewal,
        "scopes": list(fields.get("scopes") or []),
    }
    return Evaluation(policy, outcome, reasons, inputs, needed, eligible)


def _window_refusals(policy, identity, start, end, now, renewal) -> list[str]:
    """The identity's status and the requested window against the policy."""
    reasons = []
    refusal = status_refusal(policy.kind, identity)
    if refusal:
        reasons.append(refusal)
    hours = (end - start).total_seconds() / 3600
    if end <= start:
        reasons.append("The end must be after the start.")
    elif hours > policy.max_duration_hours:
        reasons.append(
            f"Asks for {_hours(hours)}; "
            f"the policy allows at most {_hours(policy.max_duration_hours)}."
        )
    if start < now - dt.timedelta(minutes=CLOCK_SKEW_MINUTES):
        reasons.append("The start is in the past.")
    if policy.break_glass and not renewal:
        reasons.extend(_break_glass_refusals(identity, start, now))
    return reasons


def _field_refusals(policy, fields: dict) -> list[str]:
    """What the policy and the request kind require the requester to write."""
    reasons = []
    if policy.requires_justification and not fields.get("justification", "").strip():
        reasons.append("A justification is required.")
    if (
        policy.requires_compensating_controls
        and not fields.get("compensating_controls", "").strip()
    ):
        reasons.append("Compensating controls are required for a policy exception.")
    if policy.requires_incident_reference and not fields.get("incident_reference", "").strip():
        reasons.append("An incident reference is required.")
    for name in REQUIRED_FIELDS.get(policy.kind, ()):
        if not fields.get(name, "").strip():
            reasons.append(f"'{name.replace('_', ' ')}' is required.")
    return reasons


def _approver_refusals(policy, identity, raci, eligible, needed: int) -> list[str]:
    """An effective owner exists, is not only the requester, and there are enough of them."""
    if raci is None or raci.is_gap:
        why = raci.gap_label if raci is not None else "no accountable owner"
        return [f"No effective approver: ownership gap in {policy.approver_domain.name} ({why})."]
    if not eligible:
        return ["The only eligible approver is the requester: someone else must decide."]
    if len(eligible) < needed:
        return [quorum_shortfall(policy, identity, len(eligible), needed)]
    return []


def _break_glass_refusals(identity: Identity, start: dt.datetime, now: dt.datetime) -> list[str]:
    """Break-glass opens access now, once: not pre-booked, not chained while an earlier one
    is live or still waits for its post-incident review (renewal goes through approval)."""
    reasons = []
    if start > now + dt.timedelta(minutes=CLOCK_SKEW_MINUTES):
        reasons.append(
            "Emergency access starts now; for access that starts later, ask for a policy exception."
        )
    open_grants = Grant.objects.filter(identity=identity, kind=RequestKind.EMERGENCY).filter(
        Q(status=GrantStatus.ACTIVE) | Q(review_due_at__isnull=False, reviewed_at__isnull=True)
    )
    grant = open_grants.order_by("-starts_at").first()
    if grant is not None:
        why = (
            "is active" if grant.status == GrantStatus.ACTIVE else "awaits its post-incident review"
        )
        reasons.append(
            f"Emergency grant #{grant.pk} for this identity {why}: renew it (an owner "
            "approves) instead of opening another."
        )
    return reasons


def _owners(raci) -> dict:
    if raci is None:
        return {}
    return {
        "domain": raci.domain.key,
        "accountable": raci.accountable.get_username() if raci.accountable else None,
        "accountable_source": str(raci.accountable_source) if raci.accountable_source else None,
        "responsible": [label for label, _who, _explain in raci.responsible],
        "gap": raci.gap_reason or None,
    }


def _hours(hours: float) -> str:
    return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} hours"
