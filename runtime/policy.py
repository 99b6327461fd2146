"""Evaluating a token request at request time against the runtime policy. Pure reading: the
service stores the evaluation, issued or refused."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from approvals.choices import GrantStatus
from approvals.models import Grant
from approvals.scopes import is_scope_token
from core.history import stamp
from core.system import system_user
from governance.selectors import identity_owners
from identities.choices import IdentityStatus
from identities.models import Identity

from .models import RuntimePolicy

IDENTITY_DOMAIN = "identity"
MIN_LIFETIME_SECONDS = 5


class Refusal(Exception):
    """A refused request: the RFC 6749 §5.2 error code and the reasons, in plain words."""

    def __init__(self, error: str, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.error = error
        self.reasons = reasons


@dataclass
class Decision:
    scopes: list[str]
    audience: str
    grant: Grant | None
    expires_at: dt.datetime
    lifetime_limits: dict = field(default_factory=dict)


def current_policy() -> RuntimePolicy:
    """The runtime policy; created (version 1, in history, by the system actor) on first use."""
    policy = RuntimePolicy.objects.filter(key="default").first()
    if policy is None:
        policy = RuntimePolicy(key="default", gap_refusal_tiers=["high", "critical"])
        stamp(policy, actor=system_user(), reason="v1: the default runtime policy")
        try:
            with transaction.atomic():
                policy.save()
        except IntegrityError:  # another request created it first
            policy = RuntimePolicy.objects.get(key="default")
    return policy


def parse_scopes(raw) -> list[str]:
    """RFC 6749 §3.3: space-delimited, case-sensitive scope tokens of NQCHAR."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, str) or len(raw) > 2000:
        raise Refusal("invalid_scope", ["The scope parameter is malformed."])
    scopes = [s for s in raw.split(" ") if s]
    if not all(is_scope_token(s) for s in scopes):
        raise Refusal("invalid_scope", ["A scope may only hold printable ASCII characters."])
    return list(dict.fromkeys(scopes))


def _covers(grant: Grant, scope: str) -> bool:
    """A grant covers the runtime scopes its request asked for (approvals.scopes), exactly."""
    return scope in grant.request.scopes


def _end_of(day: dt.date) -> dt.datetime:
    """An end date is the identity's last day: it ends at the following midnight."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def evaluate(
    *,
    policy: RuntimePolicy,
    identity: Identity,
    requested_scopes: list[str],
    audience: str,
    proof_expires_at: dt.datetime,
    now: dt.datetime,
) -> Decision:
    name = f"identity {identity.name!r}"
    if identity.status != IdentityStatus.ACTIVE:
        raise Refusal(
            "unauthorized_client",
            [f"{name.capitalize()} is {identity.get_status_display().lower()}."],
        )
    if identity.ends_on is not None and _end_of(identity.ends_on) <= now:
        raise Refusal(
            "unauthorized_client", [f"{name.capitalize()} ended on {identity.ends_on:%Y-%m-%d}."]
        )
    if identity.risk_tier in policy.gap_refusal_tiers:
        raci = identity_owners(identity=identity).get(IDENTITY_DOMAIN)
        if raci is None or raci.is_gap:
            why = raci.gap_label.lower() if raci is not None else "no accountable owner"
            raise Refusal(
                "unauthorized_client",
                [
                    f"{name.capitalize()} has an ownership gap in the identity domain ({why}); "
                    f"{identity.get_risk_tier_display().lower()}-risk identities need an "
                    "accountable owner before they get tokens."
                ],
            )
    if policy.allowed_audiences and audience not in policy.allowed_audiences:
        raise Refusal(
            "invalid_target",
            [f"Audience {audience!r} is not one Steward issues tokens for."],
        )

    entitlements = {e for e in identity.entitlements if isinstance(e, str)}
    scopes = requested_scopes or sorted(e for e in entitlements if not policy.needs_grant(e))
    gated = [s for s in scopes if policy.needs_grant(s)]
    grant = None
    reasons = []
    if gated:
        live = list(
            Grant.objects.select_related("request").filter(
                identity=identity, status=GrantStatus.ACTIVE, starts_at__lte=now, expires_at__gt=now
            )
        )
        grant = next((g for g in live if all(_covers(g, s) for s in gated)), None)
        if grant is None:
            url = reverse("approvals:new-request", args=[identity.pk, "exception"])
            for s in gated:
                if not any(_covers(g, s) for g in live):
                    reasons.append(
                        f"Scope {s} needs an active grant listing it among its runtime "
                        f"scopes; request one at {url}."
                    )
            if not reasons:
                reasons.append(
                    f"Scopes {' '.join(gated)} are covered by different grants: "
                    "ask for them in separate token requests."
                )
    for s in scopes:
        if s not in gated and s not in entitlements:
            reasons.append(f"Scope {s} is not among {name}'s entitlements.")
    if reasons:
        raise Refusal("invalid_scope", reasons)
    if not scopes:
        raise Refusal("invalid_scope", [f"{name.capitalize()} has no entitlement to ask for."])

    limits = {
        "policy": now + dt.timedelta(seconds=policy.lifetime_for(identity.risk_tier)),
        "proof": proof_expires_at,
    }
    if grant is not None:
        limits["grant"] = grant.expires_at
    if identity.ends_on is not None:
        limits["identity"] = _end_of(identity.ends_on)
    # A token never outlives its proof, its grant, its identity's end or the policy's lifetime.
    expires_at = min(limits.values())
    if (expires_at - now).total_seconds() < MIN_LIFETIME_SECONDS:
        raise Refusal("invalid_grant", ["The proof expires too soon: get a fresh one."])
    return Decision(scopes, audience, grant, expires_at, lifetime_limits=limits)
