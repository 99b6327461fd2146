"""Outbound webhooks: where a hook may post, how a body is signed, and the POST itself.

Targets: http(s) only, and every address the host resolves to must be public (not private,
loopback, link-local, reserved or multicast) unless `WEBHOOK_ALLOW_PRIVATE_TARGETS` is on.
The check runs when an admin saves a hook and again at each send, and the POST connects to
the very address that was checked (no second lookup a rebinding DNS server could answer
differently), while the Host header, SNI and certificate check keep the configured name.

Signing: each hook has its own key, `HMAC-SHA256(SECRET_KEY, "steward-webhook:<id>:<salt>")`
with a random per-hook salt. The database holds no key material (a dump alone cannot forge a
signature); rotating draws a new salt, and the old key keeps signing alongside the new one for
a grace period so receivers can switch without dropping deliveries. Each POST carries

    X-Steward-Timestamp: <unix seconds>
    X-Steward-Signature: sha256=<hex HMAC of "<timestamp>.<body>">[, sha256=<previous key>]
    X-Steward-Delivery:  <delivery id, stable across retries: deduplicate on it>

Receivers recompute the HMAC over the timestamp, a dot and the raw body, compare in constant
time, and refuse a timestamp more than `REPLAY_WINDOW` seconds from their clock
(`webhook_verify` is the reference implementation).

Failures are stored as a generic category; the details (refused, timed out, an HTTP status)
go to the log only, so the admin screen cannot be used to probe which ports answer."""

import hashlib
import hmac
import http.client
import ipaddress
import logging
import secrets
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .history import stamp
from .models import Webhook
from .system import system_user

log = logging.getLogger(__name__)

REPLAY_WINDOW = 300  # seconds either side of the receiver's clock
SEND_TIMEOUT = 10  # seconds per connect / read
ROTATION_GRACE = timedelta(hours=24)

ERROR_TARGET = "Target refused: not a public http(s) address."
ERROR_DELIVERY = "Delivery failed: no 2xx answer (details are in the server log)."


class WebhookTargetRefused(Exception):
    """The URL is not http(s), or resolves to an address a hook may not reach."""


class WebhookDeliveryError(Exception):
    """The POST did not get a 2xx answer; the message is for the log, not for the screen."""


# --- Targets --------------------------------------------------------------------------------


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_target(url: str) -> tuple[str, int, list[str]]:
    """(host, port, checked addresses) for a hook URL, or WebhookTargetRefused.

    A name that does not resolve raises socket.gaierror (a transient failure at send time)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookTargetRefused("Only http:// and https:// URLs with a host name.")
    if parts.username is not None or parts.password is not None:
        # Steward stores no secret: receivers authenticate Steward by the signature.
        raise WebhookTargetRefused("Put no user name or password in the URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookTargetRefused("The port is not a number from 1 to 65535.") from exc
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    # Every address must be public: a name with one public and one internal address would
    # otherwise reach the internal one whenever the resolver orders it first.
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and not (
        addresses and all(_public(ipaddress.ip_address(a)) for a in addresses)
    ):
        raise WebhookTargetRefused(
            "The host resolves to a private, loopback, link-local or reserved address."
        )
    return parts.hostname, port, addresses


def check_target(url: str) -> None:
    """For forms and model validation: one message whether the name is internal or unknown."""
    try:
        resolve_target(url)
    except (OSError, UnicodeError) as exc:
        raise WebhookTargetRefused("The host name does not resolve.") from exc


# --- Signing --------------------------------------------------------------------------------


def _derive(webhook: Webhook, salt: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"steward-webhook:{webhook.pk}:{salt}".encode(),
        hashlib.sha256,
    ).hexdigest()


def webhook_key(webhook: Webhook) -> str:
    """The hook's current HMAC key, shown to admins to configure the receiver."""
    return _derive(webhook, webhook.key_salt)


def webhook_signing_keys(webhook: Webhook, *, now=None) -> list[str]:
    """The current key, then the previous one while its rotation grace period lasts."""
    now = now or timezone.now()
    keys = [webhook_key(webhook)]
    until = webhook.previous_key_until
    if webhook.previous_key_salt and until and now < until:
        keys.append(_derive(webhook, webhook.previous_key_salt))
    return keys


def webhook_signature(key: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(key.encode(), b"%d." % timestamp + body, hashlib.sha256).hexdigest()


def webhook_headers(webhook: Webhook, body: bytes, *, delivery_id: int, timestamp=None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "Steward-Webhook/1",
        "X-Steward-Timestamp": str(timestamp),
        "X-Steward-Signature": ", ".join(
            webhook_signature(key, timestamp, body) for key in webhook_signing_keys(webhook)
        ),
        "X-Steward-Key-Version": str(webhook.key_version),
        "X-Steward-Delivery": str(delivery_id),
    }


def webhook_verify(
    *, key: str, body: bytes, timestamp: str, signature: str, now=None, window=REPLAY_WINDOW
) -> bool:
    """What a receiver does: a fresh timestamp and one matching signature."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - ts) > window:
        return False
    expected = webhook_signature(key, ts, body)
    return any(hmac.compare_digest(expected, s.strip()) for s in signature.split(","))


@transaction.atomic
def webhook_rotate_key(
    *, webhook_id: int, actor=None, grace: timedelta = ROTATION_GRACE, now=None
) -> Webhook:
    """A new key for one hook; the old one still signs (second signature) until `grace` ends.
    The caller checks the actor may (core.services.webhook_rotate for pages)."""
    now = now or timezone.now()
    hook = Webhook.objects.select_for_update().get(pk=webhook_id)
    actor = actor or system_user()
    stamp(hook, actor=actor, reason=f"signing key rotated to v{hook.key_version + 1} by {actor}")
    hook.previous_key_salt, hook.previous_key_until = hook.key_salt, now + grace
    hook.key_salt = secrets.token_hex(16)
    hook.key_version += 1
    hook.save(update_fields=["key_salt", "key_version", "previous_key_salt", "previous_key_until"])
    return hook


# --- Sending --------------------------------------------------------------------------------


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address")


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to checked addresses; Host keeps the configured name."""

    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self):
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As above over TLS: SNI and the certificate check use the configured name."""

    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self):
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict) -> None:
    """POST once to the checked address; redirects are refused (a hook posts to the URL an
    admin configured, never where a response points). Raises WebhookTargetRefused or
    WebhookDeliveryError."""
    try:
        host, port, addresses = resolve_target(url)
    except (OSError, UnicodeError) as exc:
        raise WebhookDeliveryError(f"cannot resolve: {exc}") from exc
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    conn = cls(host, port, addresses, SEND_TIMEOUT)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    if 300 <= response.status < 400:
        raise WebhookDeliveryError(f"redirect refused: HTTP {response.status}")
    if not 200 <= response.status < 300:
        raise WebhookDeliveryError(f"HTTP {response.status}")


def failure_category(exc: Exception) -> str:
    """What the delivery row (and so the admin) sees; the exception itself is logged."""
    return ERROR_TARGET if isinstance(exc, WebhookTargetRefused) else ERROR_DELIVERY
