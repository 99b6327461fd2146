"""Writes for runtime access: the token exchange (evaluated at request time, stored issued or
refused), revocation (one token, or all of an identity's or a grant's), trusted issuers, the
runtime policy and resource-server credentials."""

import datetime as dt
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from simple_history.utils import bulk_update_with_history

from approvals.models import Grant
from core.history import stamp
from core.notifications import notify
from core.roles import is_admin
from core.system import system_user
from core.versioning import versioned_update
from governance.choices import Role
from governance.selectors import accountable_for, deciders_for
from identities.choices import EventKind
from identities.models import Identity
from identities.secrets import ensure_no_secret_values
from identities.timeline import lifecycle_event_record

from . import keys
from .choices import GrantType, NotificationKind, Outcome
from .models import IssuedToken, ResourceServer, RuntimePolicy, TokenExchange, TrustedIssuer
from .policy import (
    IDENTITY_DOMAIN,
    Refusal,
    cached_policy,
    current_policy,
    evaluate,
    identity_for,
    parse_scopes,
)
from .proofs import ProofError, printable, verify_proof

# RFC 8693 §3 token type identifiers (names, not secrets).
TOKEN_TYPE_JWT = "urn:ietf:params:oauth:token-type:jwt"  # noqa: S105
TOKEN_TYPE_ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
TOKEN_TYPE_ACCESS = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105
SINGLE_PARAMS = (
    "grant_type",
    "subject_token",
    "subject_token_type",
    "assertion",
    "scope",
    "audience",
    "resource",
    "requested_token_type",
    "actor_token",
    "actor_token_type",
)


class ExchangeRefused(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


def _params(data) -> dict:
    """One value per parameter; RFC 6749 §3.2: parameters MUST NOT be repeated."""
    out = {}
    for name in SINGLE_PARAMS:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = [v for v in values if v is not None]
        if len(values) > 1:
            raise Refusal("invalid_request", [f"The parameter {name} is repeated."])
        out[name] = values[0] if values else None
    return out


def _proof_and_request(p: dict) -> tuple[str, str]:
    """The proof and the OAuth error code its failure answers with."""
    grant_type = p["grant_type"]
    if grant_type == GrantType.TOKEN_EXCHANGE:
        # RFC 8693 §2.1: subject_token and its type are required; no delegation (actor) here.
        if not p["subject_token"] or not p["subject_token_type"]:
            raise Refusal("invalid_request", ["Give subject_token and subject_token_type."])
        if p["subject_token_type"] not in (TOKEN_TYPE_JWT, TOKEN_TYPE_ID_TOKEN):
            raise Refusal(
                "invalid_request",
                [f"subject_token_type must be {TOKEN_TYPE_JWT} or {TOKEN_TYPE_ID_TOKEN}."],
            )
        if p["actor_token"] or p["actor_token_type"]:
            raise Refusal("invalid_request", ["Delegation (actor_token) is not supported."])
        if p["requested_token_type"] not in (None, TOKEN_TYPE_ACCESS, TOKEN_TYPE_JWT):
            raise Refusal("invalid_request", ["Steward issues access tokens only."])
        # RFC 8693 §2.2.2: an invalid subject_token is an invalid_request.
        return p["subject_token"], "invalid_request"
    if grant_type == GrantType.JWT_BEARER:
        if not p["assertion"]:
            raise Refusal("invalid_request", ["Give the workload's JWT as assertion."])
        # RFC 7523 §3.1: an assertion that is not valid is an invalid_grant.
        return p["assertion"], "invalid_grant"
    if not grant_type:
        raise Refusal("invalid_request", ["Give a grant_type."])
    raise Refusal(
        "unsupported_grant_type",
        [f"Steward accepts the grant types {GrantType.TOKEN_EXCHANGE} and {GrantType.JWT_BEARER}."],
    )


def _audience(p: dict, policy: RuntimePolicy) -> str:
    audience, resource = p["audience"], p["resource"]
    if audience and resource and audience != resource:
        raise Refusal("invalid_target", ["Give either audience or resource, not two targets."])
    value = audience or resource or policy.default_audience
    if len(value) > 300 or not value.isprintable():
        raise Refusal("invalid_target", ["The audience must be printable and short (300)."])
    return value


class _Stale(Exception):
    """This process's copy of the policy or the issuer changed since it was read."""


def token_exchange(*, data, now: dt.datetime | None = None) -> dict:
    """Trade a platform-issued proof for a Steward access token. Every request leaves one
    evaluation row (issued or refused); an issued token adds its record (the jti, never the
    token). Raises ExchangeRefused with the RFC 6749 §5.2 error."""
    now = now or timezone.now()
    row = TokenExchange(evaluated_at=now)
    try:
        identity, decision = _evaluate_request(row, data, now, fresh=False)
    except (Refusal, _Stale):
        # A cached policy or issuer never refuses a workload, nor issues on rules that have
        # changed: such requests are decided again from the database.
        row = TokenExchange(evaluated_at=now)
        try:
            identity, decision = _evaluate_request(row, data, now, fresh=True)
        except Refusal as refusal:
            row.outcome, row.error, row.reasons = Outcome.REFUSED, refusal.error, refusal.reasons
            with transaction.atomic():  # the row and its ledger entry commit together
                row.save()
            raise ExchangeRefused(refusal.error, " ".join(refusal.reasons)) from None
    return _issue(row, identity, decision, now)


def _evaluate_request(row: TokenExchange, data, now: dt.datetime, *, fresh: bool):
    """(identity, decision) of the request, filling `row` as far as it got; raises Refusal,
    or _Stale when a cached copy (`fresh` false) turns out to have changed."""
    policy = cached_policy(fresh=fresh)
    row.policy, row.policy_version = policy, policy.version
    p = _params(data)
    row.grant_type = printable(p["grant_type"], 100)
    proof_token, proof_error = _proof_and_request(p)
    row.requested_scopes = parse_scopes(p["scope"])
    row.audience = _audience(p, policy)
    try:
        proof = verify_proof(proof_token, now=now, fresh=fresh)
    except ProofError as exc:
        row.claimed_issuer, row.subject = exc.claimed_issuer, exc.subject
        raise Refusal(proof_error, [str(exc)]) from exc
    row.issuer, row.claimed_issuer = proof.issuer, proof.issuer.issuer
    row.subject = proof.subject
    identity = identity_for(proof=proof, policy=policy)
    if identity is None:
        raise Refusal(
            "invalid_grant",
            [
                f"No identity with external id {proof.external_id!r} is registered on "
                f"platform {proof.issuer.platform.name}."
            ],
        )
    if not fresh and not identity.cache_current:
        raise _Stale
    row.identity = identity
    decision = evaluate(
        policy=policy,
        identity=identity,
        requested_scopes=row.requested_scopes,
        audience=row.audience,
        proof_expires_at=proof.expires_at,
        now=now,
    )
    return identity, decision


def _access_token(identity, decision, policy, now: dt.datetime) -> tuple[str, dict, str]:
    """The signed RFC 9068 access token, its claims and the signing key's id."""
    signing = keys.current_key()
    claims = {
        "iss": settings.RUNTIME_ISSUER,
        "sub": f"{identity.platform.slug}:{identity.external_id}",
        "aud": decision.audience,
        "client_id": f"steward-identity-{identity.pk}",
        "scope": " ".join(decision.scopes),
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int(decision.expires_at.timestamp()),
        "identity_id": identity.pk,
        "grant_id": decision.grant.pk if decision.grant else None,
        "policy_version": policy.version,
    }
    # RFC 9068 §2.1: typ "at+jwt" so an access token is never taken for an id token.
    header = {"alg": keys.SIGNING_ALG, "kid": signing.kid, "typ": "at+jwt"}
    return (
        jwt.encode(header, claims, signing.key, algorithms=[keys.SIGNING_ALG]),
        claims,
        signing.kid,
    )


def _system_actor(identity):
    """The system actor, by the id `identity_for` read with the identity (no query)."""
    if identity.system_user_id is None:
        return system_user()
    return get_user_model()(pk=identity.system_user_id, username=settings.STEWARD_SYSTEM_USERNAME)


def _issue(row: TokenExchange, identity, decision, now: dt.datetime) -> dict:
    """Sign the token, store the evaluation and the token's record, answer per RFC 8693."""
    access_token, claims, kid = _access_token(identity, decision, row.policy, now)
    expires_at = dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC)
    row.outcome, row.grant = Outcome.ISSUED, decision.grant
    row.requested_scopes = row.requested_scopes or []
    row.reasons = [f"token lifetime bounded by the {_limit(decision.lifetime_limits, expires_at)}"]
    token = IssuedToken(
        jti=claims["jti"],
        identity=identity,
        grant=decision.grant,
        scopes=decision.scopes,
        audience=decision.audience,
        kid=kid,
        issued_at=now,
        expires_at=expires_at,
    )
    with transaction.atomic():
        row.save()
        token.exchange = row
        stamp(
            token,
            actor=_system_actor(identity),
            reason=f"issued to {identity} (exchange #{row.pk})",
        )
        token.save()
    response = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": max(0, claims["exp"] - claims["iat"]),
        "scope": claims["scope"],
    }
    if row.grant_type == GrantType.TOKEN_EXCHANGE:
        response["issued_token_type"] = TOKEN_TYPE_ACCESS  # RFC 8693 §2.2.1
    return response


def _limit(limits: dict, expires_at: dt.datetime) -> str:
    names = {"policy": "policy lifetime", "proof": "proof's expiry", "grant": "grant's end"}
    for key, value in sorted(limits.items(), key=lambda kv: kv[1]):
        if int(value.timestamp()) <= int(expires_at.timestamp()):
            return names.get(key, "identity's end date")
    return "policy lifetime"


# --- revocation ---------------------------------------------------------------------------
def _revoke(tokens: list[IssuedToken], *, actor, reason: str, now: dt.datetime) -> int:
    for t in tokens:
        t.revoked_at, t.revoked_by, t.revoke_reason = now, actor, reason[:500]
    if tokens:
        bulk_update_with_history(
            tokens,
            IssuedToken,
            ["revoked_at", "revoked_by", "revoke_reason"],
            default_user=actor,
            default_change_reason=f"token revoked: {reason}"[:100],
        )
    return len(tokens)


def token_revoke_by_jti(*, jti: str, reason: str, now: dt.datetime | None = None) -> bool:
    """Revoke one token (RFC 7009: its holder, or a resource server, presents it)."""
    now = now or timezone.now()
    with transaction.atomic():
        token = IssuedToken.objects.select_for_update().filter(jti=jti, revoked_at=None).first()
        if token is None:
            return False
        _revoke([token], actor=system_user(), reason=reason, now=now)
    return True


def can_revoke_tokens(user, identity: Identity) -> bool:
    """Admins, and the A or an R of the identity's identity domain."""
    if is_admin(user):
        return True
    if not user.is_authenticated:
        return False
    owners = deciders_for(
        identity=identity, domain_key=IDENTITY_DOMAIN, roles=(Role.ACCOUNTABLE, Role.RESPONSIBLE)
    )
    return user.pk in owners


def tokens_revoke_all(
    *,
    actor,
    reason: str,
    identity: Identity | None = None,
    grant: Grant | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Revoke every live token of an identity or of a grant, with a reason."""
    if (identity is None) == (grant is None):
        raise ValidationError("Revoke the tokens of one identity or of one grant.")
    target = identity if identity is not None else grant.identity
    if not can_revoke_tokens(actor, target):
        raise PermissionDenied("Only the identity's owners (A or R) and admins revoke its tokens.")
    ensure_no_secret_values({"reason": reason})
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for revoking the tokens."})
    now = now or timezone.now()
    live = IssuedToken.objects.filter(revoked_at=None, expires_at__gt=now)
    live = live.filter(identity=identity) if identity is not None else live.filter(grant=grant)
    with transaction.atomic():
        tokens = list(live.select_for_update().order_by("pk"))
        count = _revoke(tokens, actor=actor, reason=reason.strip(), now=now)
        if count:
            _record_revoked(target, grant, count, actor, reason.strip(), now)
            _notify_revoked(target, grant, count, actor, reason.strip(), now)
    return count


def _record_revoked(identity, grant, count, actor, reason, now) -> None:
    """The identity's timeline says who revoked its tokens, how many and why."""
    of = f" of grant #{grant.pk}" if grant is not None else ""
    lifecycle_event_record(
        identity=identity,
        kind=EventKind.TOKENS_REVOKED,
        actor=actor,
        summary=f"{count} runtime token(s){of} revoked by {actor}: {reason}",
        related=grant,
        details={"count": count, "reason": reason, "grant_id": grant.pk if grant else None},
        occurred_at=now,
    )


def _notify_revoked(identity, grant, count, actor, reason, now) -> None:
    """The identity's accountable owner hears of it, and webhooks (signed, delivered after
    commit by core) tell gateways to drop cached introspection answers."""
    owner = accountable_for(identity=identity, domain_key=IDENTITY_DOMAIN)
    what = f"grant #{grant.pk} of {identity}" if grant is not None else str(identity)
    notify(
        kind=NotificationKind.TOKENS_REVOKED,
        subject=grant if grant is not None else identity,
        recipients=[owner, actor],
        due_on=now.date(),
        title=f"{count} runtime token(s) of {what} revoked",
        reason=f"revoked by {actor}: {reason}",
        link=reverse("identities:detail", args=[identity.pk]),
    )


# --- issuers, policy, resource servers (admins) -------------------------------------------
ISSUER_FIELDS = (
    "platform",
    "name",
    "issuer",
    "audience",
    "jwks",
    "jwks_url",
    "algorithms",
    "subject_claim",
    "subject_mapping",
    "max_proof_lifetime_seconds",
    "active",
)


def _require_admin(actor, what: str) -> None:
    if not is_admin(actor):
        raise PermissionDenied(f"Only admins {what}.")


def issuer_save(*, actor, data: dict, issuer: TrustedIssuer | None = None) -> TrustedIssuer:
    """Register or change a trusted issuer (admins)."""
    _require_admin(actor, "manage trusted issuers")
    unknown = set(data) - set(ISSUER_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        if issuer is None:
            issuer, verb = TrustedIssuer(), "registered"
        else:
            issuer, verb = TrustedIssuer.objects.select_for_update().get(pk=issuer.pk), "changed"
        for name, value in data.items():
            setattr(issuer, name, value)
        issuer.full_clean()
        stamp(issuer, actor=actor, reason=f"issuer {verb} by {actor}")
        issuer.save()
    if issuer.jwks_url and issuer.active:
        transaction.on_commit(lambda pk=issuer.pk: _enqueue_refresh(pk))
    return issuer


def _enqueue_refresh(issuer_id: int) -> None:
    from .tasks import refresh_issuer_keys

    try:
        refresh_issuer_keys.delay(issuer_id)
    except Exception:  # the beat schedule fetches it on its next run
        logging.getLogger(__name__).warning("could not enqueue a JWKS refresh", exc_info=True)


def runtime_policy_update(*, actor, reason: str, **changes) -> RuntimePolicy:
    """A new version of the runtime policy (admins), like approvals' policies."""
    _require_admin(actor, "change the runtime policy")
    return versioned_update(
        model=RuntimePolicy,
        pk=current_policy().pk,
        actor=actor,
        reason=reason,
        changes=changes,
        allowed=("name", *RuntimePolicy.RULE_FIELDS),
    )


def resource_server_create(*, actor, name: str, client_id: str) -> tuple[ResourceServer, str]:
    """A resource server's introspection credential; the secret is returned once, never kept."""
    _require_admin(actor, "issue resource-server credentials")
    raw = ResourceServer.PREFIX + secrets.token_urlsafe(32)
    server = ResourceServer(
        name=name.strip(), client_id=client_id.strip(), digest=ResourceServer.hash(raw)
    )
    server.created_by = actor
    server.full_clean()
    stamp(server, actor=actor, reason=f"credential issued by {actor}")
    server.save()
    return server, raw


def resource_server_revoke(*, actor, server: ResourceServer) -> ResourceServer:
    _require_admin(actor, "revoke resource-server credentials")
    server.revoked_at = timezone.now()
    stamp(server, actor=actor, reason=f"credential revoked by {actor}")
    server.save()
    return server
