"""The OAuth endpoints: token (RFC 6749 / 8693 / 7523), introspection (RFC 7662), revocation
(RFC 7009) and discovery (RFC 8414, JWKS). Thin: the rules are in services and selectors.

These endpoints are for workloads and resource servers, not people: no session, no CSRF
(there is no cookie to ride on), and every answer is JSON — never a page, never a 5xx. They
are `service_endpoint`s: answered without the page middleware (core/middleware.py)."""

import base64
import binascii
import logging
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.middleware import service_endpoint

from . import keys, selectors, services
from .choices import GrantType

logger = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"


def _json(data: dict, status: int = 200, headers: dict | None = None) -> JsonResponse:
    # RFC 6749 §5.1: token responses are never cached.
    response = JsonResponse(data, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _error(error: str, description: str, status: int = 400, headers=None) -> JsonResponse:
    """RFC 6749 §5.2: an error code and a description the workload's engineer can act on."""
    return _json({"error": error, "error_description": description}, status, headers)


def _form_or_error(request):
    # RFC 6749 §3.2: parameters are sent form-encoded in the body.
    if request.content_type != FORM:
        return _error("invalid_request", f"Send the parameters as {FORM}.")
    try:
        return request.POST
    except Exception:  # a body Django cannot parse (bad encoding, too many fields)
        logger.info("unparseable OAuth request body", exc_info=True)
        return _error("invalid_request", "The request body could not be read.")


@service_endpoint
@csrf_exempt
@login_not_required
@require_POST
def token(request):
    form = _form_or_error(request)
    if isinstance(form, JsonResponse):
        return form
    try:
        return _json(services.token_exchange(data=form))
    except services.ExchangeRefused as refused:
        return _error(refused.error, refused.description)
    except Exception:
        # Never a stack trace or a 5xx for a workload, whatever it sent; the log has it.
        logger.exception("token exchange failed")
        return _error("invalid_request", "The request could not be processed.")


def _credentials(request, form) -> tuple:
    """RFC 7662 §2.1: the resource server authenticates (HTTP Basic, RFC 6749 §2.3.1, or the
    client_id/client_secret form parameters): (client id, secret), (None, None) if unreadable."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            raw = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _, secret = raw.partition(":")
        # RFC 6749 §2.3.1: both parts are form-url-encoded before base64.
        return unquote_plus(client_id), unquote_plus(secret)
    return form.get("client_id"), form.get("client_secret")


def _client(request, form):
    return selectors.resource_server_authenticate(*_credentials(request, form))


def _unauthorized() -> JsonResponse:
    return _error(
        "invalid_client",
        "Authenticate as a resource server (HTTP Basic with the credential an admin issued).",
        status=401,
        headers={"WWW-Authenticate": 'Basic realm="steward"'},
    )


@service_endpoint
@csrf_exempt
@login_not_required
@require_POST
def introspect(request):
    form = _form_or_error(request)
    if isinstance(form, JsonResponse):
        return form
    if not form.get("token"):
        if _client(request, form) is None:
            return _unauthorized()
        return _error("invalid_request", "Give the token to introspect.")
    client_id, secret = _credentials(request, form)
    answer = selectors.introspect(form.get("token"), client_id=client_id, secret=secret)
    return _unauthorized() if answer is None else _json(answer)


@service_endpoint
@csrf_exempt
@login_not_required
@require_POST
def revoke(request):
    form = _form_or_error(request)
    if isinstance(form, JsonResponse):
        return form
    presented = bool(request.headers.get("Authorization") or form.get("client_id"))
    server = _client(request, form) if presented else None
    if presented and server is None:
        return _unauthorized()
    if not form.get("token"):
        return _error("invalid_request", "Give the token to revoke.")
    claims = selectors.decode_steward_token(form.get("token"))
    if claims is not None:
        by = f"resource server {server.client_id}" if server else "its holder"
        services.token_revoke_by_jti(jti=claims["jti"], reason=f"revoked by {by} (RFC 7009)")
    # RFC 7009 §2.2: 200 whether or not the token was valid (nothing to learn from it).
    return _json({})


def _absolute(name: str) -> str:
    return settings.RUNTIME_ISSUER + reverse(name)


@service_endpoint
@login_not_required
@require_GET
def metadata(request):
    """RFC 8414 §2 authorization server metadata."""
    return JsonResponse(
        {
            "issuer": settings.RUNTIME_ISSUER,
            "token_endpoint": _absolute("runtime:token"),
            "introspection_endpoint": _absolute("runtime:introspect"),
            "revocation_endpoint": _absolute("runtime:revoke"),
            "jwks_uri": _absolute("runtime:jwks"),
            "grant_types_supported": list(GrantType.values),
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["none"],
            "introspection_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "none",
                "client_secret_basic",
                "client_secret_post",
            ],
            "token_endpoint_auth_signing_alg_values_supported": [keys.SIGNING_ALG],
        }
    )


@service_endpoint
@login_not_required
@require_GET
def jwks(request):
    response = JsonResponse(keys.published_jwks())
    response["Cache-Control"] = "max-age=60"
    return response
