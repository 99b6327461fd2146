"""What a request will meet, shown before it is made: the policy's caps, who approves, and
whether that many approvers exist (pages offer only what can succeed; the evaluation at
submit time stays the control)."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.urls import reverse

from core.templatetags.steward import hours_human
from governance.selectors import deciders_for
from identities.models import Identity

from .models import ApprovalPolicy
from .policy import decider_roles, deciders_phrase, quorum_shortfall, status_refusal


@dataclass(frozen=True)
class Preview:
    policy: ApprovalPolicy
    needed: int
    approvers: list = field(default_factory=list)  # users, the requester left out
    refusal: str = ""  # the identity's status rules the request out
    shortfall: str = ""  # fewer approvers than the quorum, and who could be added where

    @property
    def caps(self) -> list[str]:
        return policy_caps(self.policy)

    @property
    def can_succeed(self) -> bool:
        return not (self.refusal or self.shortfall)


def policy_caps(policy: ApprovalPolicy) -> list[str]:
    """The policy's rules as sentences: duration cap, break-glass, review, expiry."""
    caps = [f"At most {hours_human(policy.max_duration_hours)} (asked for "
            f"{hours_human(policy.default_duration_hours)} unless you say otherwise)."]  # fmt: skip
    if policy.break_glass:
        review = hours_human(policy.post_incident_review_hours or 24)
        caps.append(f"Active at once, before anyone approves; reviewed within {review} after.")
    else:
        caps.append(
            f"Decided by the {deciders_phrase(policy)} of {policy.approver_domain.name}; "
            f"a request nobody decides expires after {hours_human(policy.pending_expiry_hours)}."
        )
    tiers = {k: v for k, v in sorted(policy.approvals_by_risk.items()) if int(v) > 1}
    if tiers:
        more = ", ".join(f"{n} for {tier}-risk" for tier, n in tiers.items())
        caps.append(f"Approvals needed: 1 ({more} identities).")
    return caps


def request_preview(*, policy: ApprovalPolicy, identity: Identity, requester) -> Preview:
    """`identity` may be unsaved (the onboarding wizard's): owners resolve by its team and
    platform."""
    needed = policy.approvals_needed(identity.risk_tier)
    refusal = status_refusal(policy.kind, identity) if identity.pk else ""
    ids = deciders_for(
        identity=identity, domain_key=policy.approver_domain.key, roles=decider_roles(policy)
    ) - {requester.pk}
    approvers = list(get_user_model().objects.filter(pk__in=ids).order_by("username"))
    shortfall = ""
    if not approvers:
        shortfall = (
            f"Nobody else can approve it yet: {policy.approver_domain.name} has no "
            f"{deciders_phrase(policy)} for this identity but you. An admin assigns one in the "
            f"RACI matrix ({reverse('governance:matrix')})."
        )
    elif len(approvers) < needed:
        shortfall = quorum_shortfall(policy, identity, len(approvers), needed)
    return Preview(policy, needed, approvers, refusal, shortfall)
