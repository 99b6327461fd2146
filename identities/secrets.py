"""Refuse secret values on every entry path: Steward stores credential metadata only.

`find_secret_values` looks at a flat mapping of field → value and names each field that
either is a secret-bearing key (`secret`, `token`, `password`, ...) or holds a value shaped
like a credential. Forms, API serializers, importers and services all call it.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError

# Keys that only ever carry a secret value. Metadata fields have other names.
SECRET_KEYS = frozenset(
    {
        "secret",
        "secret_value",
        "value",
        "token",
        "token_value",
        "password",
        "passwd",
        "private_key",
        "client_secret",
        "secret_key",
        "secret_access_key",
        "aws_secret_access_key",
        "api_key_value",
        "access_token",
        "refresh_token",
        "credential_value",
        "key_material",
    }
)

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("a PEM private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    (
        "an AWS secret access key",  # 40 base64 chars mixing cases and digits (not a path)
        re.compile(
            r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])"
            r"(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
        ),
    ),
    (
        "an AWS session token",
        re.compile(r"\b(?:FwoGZXIvYXdzE|IQoJb3JpZ2luX2Vj)[A-Za-z0-9/+=]{20,}"),
    ),
    (
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
    ),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an OpenAI key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("an Anthropic key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("a Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    (
        "a JSON Web Token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    ("a Steward API token", re.compile(r"\bstw_[A-Za-z0-9_-]{30,}")),
]

_TOKEN_RE = re.compile(r"[A-Za-z0-9+/=_\-.]{32,}")
_HEX_RE = re.compile(r"^(?:sha256:|sha1:|md5:)?[0-9a-fA-F:]+$", re.IGNORECASE)
# Identifiers that are long but public: ARNs, paths, URLs, SPIFFE ids.
_PUBLIC_SHAPES = re.compile(r"^(?:arn:|spiffe://|https?://|/|[a-z0-9.-]+/)", re.IGNORECASE)


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _high_entropy_token(text: str) -> bool:
    for token in _TOKEN_RE.findall(text):
        if _HEX_RE.match(token) or _PUBLIC_SHAPES.match(token):
            continue
        classes = sum(
            bool(re.search(p, token)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[+/_\-=]")
        )
        if classes >= 3 and shannon_entropy(token) >= 4.2:
            return True
    return False


def secret_reason(value: str, *, free_text: bool = True) -> str | None:
    """Why `value` looks like a secret, or None."""
    for label, pattern in PATTERNS:
        if pattern.search(value):
            return f"looks like {label}"
    if free_text and _high_entropy_token(value):
        return "contains a long high-entropy string that looks like a secret"
    return None


def find_secret_values(data: Mapping, *, identifier_fields: Iterable[str] = ()) -> dict[str, str]:
    """Field → message for every field that carries or names a secret value.

    `identifier_fields` hold public identifiers (fingerprints, external ids, key ids): they are
    checked against the known secret shapes but not the entropy rule.
    """
    identifiers = set(identifier_fields)
    errors: dict[str, str] = {}
    for field, value in _flatten(data):
        key = field.rsplit(".", 1)[-1].lower()
        if key in SECRET_KEYS:
            errors[field] = (
                f"'{field}' would carry a secret value. Steward stores credential metadata "
                "only (kind, location, fingerprint, last characters, dates) — never the secret."
            )
            continue
        if isinstance(value, str) and value:
            reason = secret_reason(value, free_text=key not in identifiers)
            if reason:
                errors[field] = (
                    f"This value {reason}. Steward never stores secret values: record where "
                    "the secret is stored and its fingerprint instead."
                )
    return errors


def ensure_no_secret_values(data: Mapping, *, identifier_fields: Iterable[str] = ()) -> None:
    errors = find_secret_values(data, identifier_fields=identifier_fields)
    if errors:
        raise ValidationError(errors)


def _flatten(data, prefix: str = ""):
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            yield from _flatten(value, f"{prefix}[{i}]" if prefix else f"[{i}]")
    else:
        yield prefix, data
