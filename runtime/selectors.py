"""Reads for runtime access. Whether a token is live is one rule (`live_q`), evaluated in SQL
from the state now: introspection, the identity panel and the counts all use it."""

import datetime as dt

from django.db.models import Count, Exists, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from joserfc import jwt

from approvals.choices import GrantStatus
from approvals.models import Grant
from core.prepared import MARK_DATE, MARK_DATETIME, MARK_TEXT, Prepared
from core.roles import is_admin
from identities.choices import IdentityStatus
from identities.models import Identity

from . import keys
from .choices import Outcome
from .models import IssuedToken, ResourceServer, TokenExchange, TrustedIssuer


def live_q(now: dt.datetime, prefix: str = "", today: dt.date | None = None) -> Q:
    """A token is live while it is unexpired and unrevoked, its identity active and not past
    its end date, and its grant (if any) active and unexpired — all as of `now` (`today` is
    its local date, given by a caller that prepares the query)."""
    p = prefix
    return (
        Q(**{f"{p}revoked_at": None, f"{p}expires_at__gt": now})
        & Q(**{f"{p}identity__status": IdentityStatus.ACTIVE})
        & (
            Q(**{f"{p}identity__ends_on": None})
            | Q(**{f"{p}identity__ends_on__gte": today or timezone.localdate(now)})
        )
        & (
            Q(**{f"{p}grant": None})
            | Q(**{f"{p}grant__status": GrantStatus.ACTIVE, f"{p}grant__expires_at__gt": now})
        )
    )


def kids_with_live_tokens(*, kids: list[str], now: dt.datetime) -> set[str]:
    """Signing keys that signed a token not yet expired (they must stay published)."""
    return set(
        IssuedToken.objects.filter(kid__in=kids, expires_at__gt=now)
        .values_list("kid", flat=True)
        .distinct()
    )


def decode_steward_token(token) -> dict | None:
    """The claims of a token Steward signed (any key still in the file), or None."""
    from django.conf import settings

    if not isinstance(token, str) or not token or len(token) > 8192:
        return None
    try:
        decoded = jwt.decode(token, keys.verification_keyset(), algorithms=[keys.SIGNING_ALG])
    # Input from anyone: whatever the JOSE library raises means "not one of ours".
    except Exception:
        return None
    claims = decoded.claims
    if decoded.header.get("typ") != "at+jwt" or claims.get("iss") != settings.RUNTIME_ISSUER:
        return None
    return claims if isinstance(claims.get("jti"), str) else None


def introspect(token, *, client_id, secret, now: dt.datetime | None = None) -> dict | None:
    """RFC 7662 §2.2: the token's state now, for the resource server these credentials name
    (None when they name none), in one query: the server, and whether the token is live.
    What it allows is in its signed claims (equal to its record); anything not live is just
    {"active": false}."""
    now = now or timezone.now()
    servers = _servers(client_id, secret)
    if servers is None:
        return None
    claims = decode_steward_token(token)
    if claims is None:
        return {"active": False} if servers.exists() else None
    found = _SERVER_AND_LIVE.rows(
        client_id=client_id,
        digest=ResourceServer.hash(secret),
        jti=claims["jti"],
        now=now,
        today=timezone.localdate(now),
    )
    if not found:
        return None
    if not found[0][0]:
        return {"active": False}
    return {
        "active": True,
        "scope": claims.get("scope"),
        "client_id": claims.get("client_id"),
        "token_type": "Bearer",
        "exp": claims.get("exp"),
        "iat": claims.get("iat"),
        "sub": claims.get("sub"),
        "aud": claims.get("aud"),
        "iss": claims.get("iss"),
        "jti": claims["jti"],
        "identity_id": claims.get("identity_id"),
        "grant_id": claims.get("grant_id"),
    }


def _server_and_live(*, client_id, digest, jti, now, today):
    """[(whether token `jti` is live)] for the resource server named, [] if none."""
    servers = ResourceServer.objects.filter(client_id=client_id, digest=digest, revoked_at=None)
    live = IssuedToken.objects.filter(live_q(now, today=today), jti=jti)
    return servers.annotate(live=Exists(live)).order_by("pk").values_list("live")[:1]


# Compiled once per process: building it cost ten times the token's verification.
_SERVER_AND_LIVE = Prepared(
    _server_and_live,
    client_id=f"{MARK_TEXT}-client",
    digest=f"{MARK_TEXT}-digest",
    jti=f"{MARK_TEXT}-jti",
    now=MARK_DATETIME,
    today=MARK_DATE,
)


def _servers(client_id, secret) -> QuerySet[ResourceServer] | None:
    """The live resource server these credentials name (a queryset), or None when they are
    malformed. Anyone's input: bounded, and no NUL character (PostgreSQL refuses one in a
    text parameter)."""
    for value in (client_id, secret):
        if not isinstance(value, str) or not value or len(value) > 200 or "\x00" in value:
            return None
    return ResourceServer.objects.filter(
        client_id=client_id, digest=ResourceServer.hash(secret), revoked_at=None
    )


def resource_server_authenticate(client_id, secret) -> ResourceServer | None:
    """The resource server these credentials name, or None."""
    servers = _servers(client_id, secret)
    return servers.first() if servers is not None else None


# --- pages --------------------------------------------------------------------------------
def identity_runtime(*, identity: Identity, now: dt.datetime | None = None) -> dict:
    """The identity page's runtime panel, in a handful of queries."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=24)
    exchanges = TokenExchange.objects.filter(identity=identity)
    counts = exchanges.filter(evaluated_at__gte=since).aggregate(
        issued=Count("pk", filter=Q(outcome=Outcome.ISSUED)),
        refused=Count("pk", filter=Q(outcome=Outcome.REFUSED)),
    )
    latest_refusal = exchanges.filter(outcome=Outcome.REFUSED).order_by("-evaluated_at").first()
    subjects = (
        exchanges.filter(outcome=Outcome.ISSUED)
        .values("issuer__name", "subject")
        .annotate(last=Max("evaluated_at"))
        .order_by("-last")[:10]
    )
    tokens = IssuedToken.objects.filter(identity=identity)
    live_by_grant = (
        tokens.filter(live_q(now), grant__isnull=False)
        .values_list("grant_id")
        .annotate(n=Count("pk"))
        .order_by("grant_id")
    )
    return {
        "issuers": TrustedIssuer.objects.filter(platform=identity.platform_id, active=True),
        "subjects": list(subjects),
        "issued_24h": counts["issued"],
        "refused_24h": counts["refused"],
        "latest_refusal": latest_refusal,
        "live": tokens.filter(live_q(now)).count(),
        "live_by_grant": list(live_by_grant),
        "recent": list(tokens.select_related("grant", "revoked_by").order_by("-issued_at")[:10]),
        "now": now,
    }


def identity_grant(*, identity: Identity, pk: int) -> Grant:
    """One grant of `identity` (the identity is already in the user's scope), else 404."""
    grant = Grant.objects.filter(identity=identity, pk=pk).select_related("identity").first()
    if grant is None:
        raise Http404
    return grant


def issuer_list(*, user) -> QuerySet[TrustedIssuer]:
    if not is_admin(user):
        return TrustedIssuer.objects.none()
    return TrustedIssuer.objects.select_related("platform").order_by("name", "id")


def issuer_get(*, user, pk: int) -> TrustedIssuer:
    issuer = issuer_list(user=user).filter(pk=pk).first()
    if issuer is None:
        raise Http404
    return issuer


def federation_counts(*, user, now=None) -> dict:
    """Active identities in the user's scope that got a Steward token in the last 30 days
    versus those still holding an active long-lived credential (the number to move)."""
    from identities.models import Credential
    from identities.selectors import identity_scope

    now = now or timezone.now()
    active = identity_scope(user).filter(status=IdentityStatus.ACTIVE)
    recent = IssuedToken.objects.filter(issued_at__gte=now - dt.timedelta(days=30))
    return {
        "active": active.count(),
        "federated": active.filter(pk__in=recent.values("identity_id")).count(),
        "long_lived": active.filter(
            pk__in=Credential.objects.filter(status="active").values("identity_id")
        ).count(),
    }
