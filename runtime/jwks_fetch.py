"""Trusted issuers' key sets from their JWKS URL: fetched by the worker (never during a
token request), cached on the issuer, refreshed on a schedule so key rotation follows."""

import datetime as dt
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .keys import public_keyset_errors
from .models import TrustedIssuer

log = logging.getLogger(__name__)
MAX_BYTES = 512 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Keys come from the URL an admin configured, never from where a response points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect refused: {msg}", headers, fp)


_opener = urllib.request.build_opener(_NoRedirects)


def _get(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with _opener.open(request, timeout=10) as response:
        body = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise ValueError("the JWKS is larger than 512 KiB")
    return json.loads(body)


def issuer_refresh_keys(*, issuer_id: int, fetch=_get, now: dt.datetime | None = None) -> str:
    """Fetch one issuer's JWKS (no lock held while fetching); keep the last good key set
    when the fetch fails. Returns '' or the problem."""
    issuer = TrustedIssuer.objects.filter(pk=issuer_id).exclude(jwks_url="").first()
    if issuer is None:
        return "no such issuer with a JWKS URL"
    now = now or timezone.now()
    try:
        data = fetch(issuer.jwks_url)
        problem = public_keyset_errors(data)
    except (OSError, ValueError) as exc:
        data, problem = None, f"fetch failed: {exc}"[:500]
    issuer.jwks_error = problem
    if not problem:
        issuer.jwks_fetched, issuer.jwks_fetched_at = data, now
    else:
        log.warning("JWKS refresh for issuer %s failed: %s", issuer.pk, problem)
    # Only the cache columns change, and history does not track them (excluded fields):
    # saving without a history row keeps the chained record equal to the live row.
    issuer.skip_history_when_saving = True
    issuer.save(update_fields=["jwks_fetched", "jwks_fetched_at", "jwks_error"])
    return problem


def issuers_due(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.RUNTIME_JWKS_REFRESH_SECONDS)
    never_or_stale = Q(jwks_fetched_at__isnull=True) | Q(jwks_fetched_at__lte=stale)
    issuers = TrustedIssuer.objects.filter(never_or_stale, active=True).exclude(jwks_url="")
    return list(issuers.values_list("pk", flat=True))
