"""Evaluating a token request at request time against the runtime policy. Pure reading: the
service stores the evaluation, issued or refused."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from approvals.choices import GrantStatus
from approvals.models import Grant
from approvals.scopes import is_scope_token
from core.history import stamp
from core.system import system_user
from governance.choices import GapReason
from governance.owner_queries import accountable_owners
from identities.choices import IdentityStatus
from identities.models import Identity

from .models import RuntimePolicy, TrustedIssuer
from .proofs import Proof

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


_policy: dict[str, RuntimePolicy] = {}


def cached_policy(*, fresh: bool = False) -> RuntimePolicy:
    """The runtime policy as this process last read it (`fresh`: read now). A decision made
    with a cached copy stands only if the copy is still current: `identity_for` checks that
    in the query it makes anyway, and refusals are always decided fresh (services)."""
    if fresh or "default" not in _policy:
        _policy["default"] = current_policy()
    return _policy["default"]


def forget_cached(**kwargs) -> None:
    """This process's copies of the policy and the issuers are dropped as soon as it saves
    one (other processes see the change by `identity_for`'s check)."""
    from .proofs import forget_issuers

    _policy.clear()
    forget_issuers()


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


def identity_for(*, proof: Proof, policy: RuntimePolicy) -> Identity | None:
    """The identity the proof names, in one query with what the evaluation reads besides it:
    whether its identity-domain accountable owner is active (`owner_active`: None when there
    is none; `governance.EffectiveOwner`, the user's liveness joined now), and whether this
    process's copies of the policy and the issuer are still current (`cache_current`), and
    the system actor's id that the token's history row names (`system_user_id`)."""
    issuer = proof.issuer
    owner = accountable_owners(domain_key=IDENTITY_DOMAIN).filter(identity=OuterRef("pk"))
    policy_current = RuntimePolicy.objects.filter(
        pk=policy.pk, version=policy.version, updated_at=policy.updated_at
    )
    issuer_current = TrustedIssuer.objects.filter(
        pk=issuer.pk,
        active=True,
        updated_at=issuer.updated_at,
        jwks_fetched_at=issuer.jwks_fetched_at,
    )
    return (
        Identity.objects.select_related("platform")
        .annotate(
            owner_active=Subquery(owner.values("user__is_active")[:1]),
            system_user_id=Subquery(
                get_user_model()
                .objects.filter(username=settings.STEWARD_SYSTEM_USERNAME)
                .values("pk")[:1]
            ),
            cache_current=ExpressionWrapper(
                Q(Exists(policy_current)) & Q(Exists(issuer_current)), BooleanField()
            ),
        )
        .filter(platform=issuer.platform_id, external_id=proof.external_id)
        .first()
    )


def _check_identity(policy: RuntimePolicy, identity: Identity, now: dt.datetime) -> None:
    """Active, not past its end date, and (for the policy's tiers) an active accountable
    owner in the identity domain; `identity` comes from `identity_for`."""
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
    if identity.risk_tier in policy.gap_refusal_tiers and not identity.owner_active:
        why = (
            GapReason.NO_ACCOUNTABLE
            if identity.owner_active is None
            else (GapReason.INACTIVE_ACCOUNTABLE)
        )
        raise Refusal(
            "unauthorized_client",
            [
                f"{name.capitalize()} has an ownership gap in the identity domain "
                f"({why.label.lower()}); {identity.get_risk_tier_display().lower()}-risk "
                "identities need an accountable owner before they get tokens."
            ],
        )


def _grant_for(identity: Identity, gated: list[str], now: dt.datetime) -> Grant:
    """A live grant of the identity covering every gated scope, else the refusal."""
    live = list(
        Grant.objects.select_related("request").filter(
            identity=identity, status=GrantStatus.ACTIVE, starts_at__lte=now, expires_at__gt=now
        )
    )
    grant = next((g for g in live if all(_covers(g, s) for s in gated)), None)
    if grant is not None:
        return grant
    url = reverse("approvals:new-request", args=[identity.pk, "exception"])
    reasons = [
        f"Scope {s} needs an active grant listing it among its runtime scopes; "
        f"request one at {url}."
        for s in gated
        if not any(_covers(g, s) for g in live)
    ]
    raise Refusal(
        "invalid_scope",
        reasons
        or [
            f"Scopes {' '.join(gated)} are covered by different grants: "
            "ask for them in separate token requests."
        ],
    )


def _scopes(policy, identity, requested: list[str], now) -> tuple[list[str], Grant | None]:
    """The scopes to grant (the requested ones, else the standing entitlements that need no
    grant) and the grant covering the gated ones."""
    name = f"identity {identity.name!r}"
    entitlements = {e for e in identity.entitlements if isinstance(e, str)}
    scopes = requested or sorted(e for e in entitlements if not policy.needs_grant(e))
    gated = [s for s in scopes if policy.needs_grant(s)]
    outside = [
        f"Scope {s} is not among {name}'s entitlements."
        for s in scopes
        if s not in gated and s not in entitlements
    ]
    grant = None
    if gated:
        try:
            grant = _grant_for(identity, gated, now)
        except Refusal as refusal:
            raise Refusal("invalid_scope", refusal.reasons + outside) from None
    if outside:
        raise Refusal("invalid_scope", outside)
    if not scopes:
        raise Refusal("invalid_scope", [f"{name.capitalize()} has no entitlement to ask for."])
    return scopes, grant


def evaluate(
    *,
    policy: RuntimePolicy,
    identity: Identity,
    requested_scopes: list[str],
    audience: str,
    proof_expires_at: dt.datetime,
    now: dt.datetime,
) -> Decision:
    _check_identity(policy, identity, now)
    if policy.allowed_audiences and audience not in policy.allowed_audiences:
        raise Refusal(
            "invalid_target",
            [f"Audience {audience!r} is not one Steward issues tokens for."],
        )
    scopes, grant = _scopes(policy, identity, requested_scopes, now)
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
