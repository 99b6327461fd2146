"""Steward's token signing keys, and checks of trusted issuers' public key sets.

The keys live in a JSON file (never in the database): in production the file named by
`STEWARD_SIGNING_KEYS_FILE` (Steward refuses to sign without it), on the embedded default
and in tests a file generated under `STEWARD_VAR_DIR`. The newest key signs; a rotated-out
key stays in the file, and is published at `/.well-known/jwks.json` for as long as a token
it signed is unexpired. Every process re-reads the file when it changes (mtime), so a
rotation by `manage.py rotate_signing_key` reaches every web worker.
"""

import datetime as dt
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from joserfc import jwk

from core.secrets import secret_reason

SIGNING_ALG = "ES256"
ASYMMETRIC_KTY = {"RSA", "EC", "OKP"}
# RFC 7517 §4, RFC 7518 §6.2.1 / §6.3.1, RFC 8037 §2: the members of a public JWK. Key
# material, certificates and key ids (often an RFC 7638 thumbprint) are public and random by
# nature: the secret-shape rule would flag them by chance, so it reads only the others.
RANDOM_BY_NATURE = {"n", "e", "x", "y", "x5c", "x5t", "x5t#S256", "kid"}
PUBLIC_JWK_MEMBERS = RANDOM_BY_NATURE | {"kty", "use", "key_ops", "alg", "crv", "x5u"}
_lock = threading.Lock()
_cache: dict = {}


@dataclass(frozen=True)
class SigningKey:
    key: jwk.ECKey
    created_at: dt.datetime
    retired_at: dt.datetime | None

    @property
    def kid(self) -> str:
        return self.key.kid


def keys_path() -> Path:
    path = getattr(settings, "RUNTIME_SIGNING_KEYS_FILE", "")
    if not path:
        raise ImproperlyConfigured(
            "STEWARD_SIGNING_KEYS_FILE must name the signing key file in production "
            "(create it with `manage.py rotate_signing_key`)."
        )
    return Path(path)


def _generate() -> dict:
    key = jwk.ECKey.generate_key("P-256", parameters={"alg": SIGNING_ALG}, auto_kid=True)
    return {"jwk": key.as_dict(private=True), "created_at": timezone.now().isoformat()}


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".signing-keys-")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)  # atomic: readers see the old file or the new one


def _parse(data: dict) -> list[SigningKey]:
    out = []
    for item in data.get("keys", []):
        retired = item.get("retired_at")
        out.append(
            SigningKey(
                key=jwk.ECKey.import_key(item["jwk"]),
                created_at=dt.datetime.fromisoformat(item["created_at"]),
                retired_at=dt.datetime.fromisoformat(retired) if retired else None,
            )
        )
    return out


def load_keys() -> list[SigningKey]:
    """All keys in the file, newest first; generated on first use outside production."""
    path = keys_path()
    with _lock:
        if not path.exists():
            if settings.PRODUCTION:
                raise ImproperlyConfigured(f"The signing key file {path} does not exist.")
            _write(path, {"keys": [_generate()]})
        stat = path.stat()
        marker = (str(path), stat.st_mtime_ns, stat.st_size)
        if _cache.get("marker") != marker:
            keys = _parse(json.loads(path.read_text()))
            if not keys:
                raise ImproperlyConfigured(f"The signing key file {path} holds no key.")
            _cache.update(marker=marker, keys=sorted(keys, key=lambda k: k.created_at)[::-1])
        return _cache["keys"]


def current_key() -> SigningKey:
    return load_keys()[0]


def verification_keyset() -> jwk.KeySet:
    """Every key in the file: a token outlives its key's retirement, not its key."""
    return jwk.KeySet([k.key for k in load_keys()])


def rotate(*, now: dt.datetime | None = None) -> tuple[SigningKey, list[str]]:
    """Add a new signing key, retire the others; drop retired keys whose tokens have all
    expired (they are no longer published). Returns the new key and the dropped kids."""
    from .selectors import kids_with_live_tokens

    now = now or timezone.now()
    path = keys_path()
    old = load_keys() if path.exists() else []
    live = kids_with_live_tokens(kids=[k.kid for k in old], now=now)
    kept, dropped = [], []
    for k in old:
        if k.retired_at is None or k.kid in live:
            kept.append(
                {
                    "jwk": k.key.as_dict(private=True),
                    "created_at": k.created_at.isoformat(),
                    "retired_at": (k.retired_at or now).isoformat(),
                }
            )
        else:
            dropped.append(k.kid)
    new = _generate()
    _write(path, {"keys": [new, *kept]})
    return current_key(), dropped


def published_jwks(*, now: dt.datetime | None = None) -> dict:
    """The public keys resource servers verify with: the current key(s) and every retired
    key that signed a token not yet expired."""
    from .selectors import kids_with_live_tokens

    now = now or timezone.now()
    keys = load_keys()
    retired = [k.kid for k in keys if k.retired_at is not None]
    live = kids_with_live_tokens(kids=retired, now=now) if retired else set()
    return {
        "keys": [
            {**k.key.as_dict(private=False), "alg": SIGNING_ALG, "use": "sig"}
            for k in keys
            if k.retired_at is None or k.kid in live
        ]
    }


def _member_errors(item: dict) -> str:
    if "d" in item or "p" in item:
        return "This JWKS holds a private key: give the issuer's public keys only."
    unknown = set(item) - PUBLIC_JWK_MEMBERS
    if unknown:
        return f"Unknown JWK member(s): {', '.join(sorted(unknown))[:200]}."
    for name, member in item.items():
        if name in RANDOM_BY_NATURE:
            continue
        for text in member if isinstance(member, list) else [member]:
            if isinstance(text, str) and (reason := secret_reason(text, free_text=False)):
                return f"The JWK member {name!r} looks like {reason}: public keys only."
    return ""


def public_keyset_errors(value) -> str:
    """Why `value` is not a usable public JWKS of a trusted issuer ('' when it is)."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list) or not value["keys"]:
        return 'A JWKS is an object with a non-empty "keys" list.'
    if set(value) != {"keys"}:
        return 'A JWKS holds only its "keys".'
    kids = set()
    for item in value["keys"]:
        if not isinstance(item, dict) or item.get("kty") not in ASYMMETRIC_KTY:
            return "Only asymmetric public keys (kty RSA, EC or OKP) are accepted."
        if problem := _member_errors(item):
            return problem
        kid = item.get("kid")
        if len(value["keys"]) > 1 and not kid:
            return "With several keys, every key needs a kid."
        if kid in kids:
            return f"Two keys share the kid {kid!r}."
        kids.add(kid)
    try:
        jwk.KeySet.import_key_set(value)
    except Exception as exc:  # joserfc raises several kinds for a malformed key
        return f"A key could not be read: {exc}"
    return ""
