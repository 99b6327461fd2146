"""Evidence bundle signing: a detached Ed25519 signature (RFC 8032) over manifest.json.

The private key is a PEM (PKCS#8) file, never a database row: `EVIDENCE_SIGNING_KEY_FILE`
names it (production: a mounted secret, e.g. `openssl genpkey -algorithm ed25519`); with no
file named, the embedded default generates one into STEWARD_VAR_DIR on first use (mode 0600,
created exclusively so concurrent processes agree on one key). Production without a file
refuses to sign. The public key is published at `/evidence/bundle-key.pub` and shipped in
every bundle; `verify_bundle.py --key` checks a bundle against the published one offline.
"""

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_FILE = "evidence-signing-key.pem"


def key_path() -> Path:
    named = getattr(settings, "EVIDENCE_SIGNING_KEY_FILE", "")
    if named:
        return Path(named)
    if not getattr(settings, "EVIDENCE_SIGNING_KEY_GENERATE", False):
        raise ImproperlyConfigured(
            "Evidence bundles are signed: set EVIDENCE_SIGNING_KEY_FILE to an Ed25519 PEM key."
        )
    return Path(settings.VAR_DIR) / DEFAULT_FILE


def _generate(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


@lru_cache(maxsize=4)
def _load(path: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"Evidence signing key {path} is unreadable: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"Evidence signing key {path} is not an Ed25519 key.")
    return key


def private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not getattr(settings, "EVIDENCE_SIGNING_KEY_FILE", "") and not path.exists():
        _generate(path)
    return _load(str(path))


def public_key_pem() -> bytes:
    """SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), as `openssl pkey -pubout`."""
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def fingerprint() -> str:
    raw = (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def sign(data: bytes) -> bytes:
    """The detached signature file's content: base64 of the 64-byte signature, one line."""
    return base64.b64encode(private_key().sign(data)) + b"\n"
