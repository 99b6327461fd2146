"""The secret-value guard: Steward stores credential metadata, never a secret value.

`secret_reason(value)` says why one value looks like a secret (or None). It is applied to
every text field of every model on save (`core.text_guard`), and earlier — to name the field
in a form or a 400 — by forms, serializers, importers and services through
`find_secret_values`.

How a value is read before matching (each variant is scanned; see `_variants`):
- NFKC-normalised, zero-width characters dropped, percent-decoding applied;
- runs of short space-separated chunks re-joined (`ghp_ abcd efgh …`);
- base64 / base64url / hex blobs decoded when they decode to printable text, so an
  encoded key is found as the key (two levels deep).
What is looked for:
- provider key shapes (`PATTERNS`: AWS, GitHub, Slack tokens and webhooks, OpenAI,
  Anthropic, Stripe, Google, JWT, PEM private keys in any case, Steward's own tokens);
- a password in a URL's userinfo (RFC 3986 §3.2.1 — `scheme://user:password@host`);
- `password=…`, `password: …`, `password is …` with a value that is not a placeholder;
- free text only: AWS access key ids, and long random-looking strings (`_random_run`):
  the entropy rule splits a token on the separators platforms use in generated names
  (`-_.:/@~`) and ignores parts that are words, CamelCase, digits, hex or short, so pod
  names, ARNs, SPIFFE ids, repository paths, UUIDs, hashes and timestamps pass.
Identifier fields (external ids, key ids, fingerprints, storage locations) skip the
entropy rule; `fingerprint`, `key_id` and `last_chars` also have strict formats
(`identifier_format_reason`).
"""

import base64
import binascii
import contextlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from urllib.parse import unquote

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

_B64 = r"A-Za-z0-9/+"
PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        "a PEM private key",
        re.compile(r"-----\s*BEGIN[A-Z0-9 ]*PRIVATE\s+KEY(?:\s+BLOCK)?\s*-----", re.IGNORECASE),
    ),
    (
        "an AWS secret access key",  # 40 base64 chars mixing cases and digits; may follow a path
        re.compile(
            rf"(?<![A-Za-z0-9+])(?=[{_B64}]*[A-Z])(?=[{_B64}]*[a-z])(?=[{_B64}]*[0-9])"
            rf"[{_B64}]{{40}}(?![{_B64}=])"
        ),
    ),
    (
        "an AWS session token",
        re.compile(r"(?:FwoGZXIvYXdzE|IQoJb3JpZ2luX2Vj)[A-Za-z0-9/+=]{20,}"),
    ),
    (
        "a GitHub token",
        re.compile(
            r"(?i:\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|v1\.[0-9a-f]{40}\b))"
        ),
    ),
    ("a Slack token", re.compile(r"(?i:\bxox[abposre]-[A-Za-z0-9-]{10,})")),
    (
        "a Slack webhook URL",
        re.compile(r"(?i:hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{8,})"),
    ),
    (
        "a Discord webhook URL",
        re.compile(r"(?i:discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{16,})"),
    ),
    ("an Anthropic key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    (
        "an OpenAI key",
        re.compile(
            r"(?i:\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,})"
            r"|\bsk-(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{20,}"
        ),
    ),
    (
        "a Stripe key",
        re.compile(r"(?i:\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_\w{20,})"),
    ),
    ("a Google API key", re.compile(r"(?i:\bAIza[0-9A-Za-z_-]{35})")),
    (
        "a JSON Web Token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    ("a Steward API token", re.compile(r"\bstw_[A-Za-z0-9_-]{30,}")),
]
# Public identifiers that belong in an identifier field (`key_id`), never in free text.
FREE_TEXT_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("an AWS access key id", re.compile(r"(?i:\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)")),
    (
        "a lowercased AWS secret access key",
        re.compile(
            r"(?<![a-z0-9+])(?=(?:[a-z/+]*[0-9]){3})(?=[a-z0-9]*[g-z/+])[a-z0-9/+]{40}(?![a-z0-9/+=])"
        ),
    ),
]

# RFC 3986 §3.2.1: userinfo is `user:password` before the `@` of the authority.
_URL_USERINFO = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/@:]*:([^\s/@]+)@")
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Za-z_][\w-]*\}?|\{\{.*\}\}|<[^>]*>|\*+|x+|\.+|%s|%\([a-z_]+\)s|redacted|"
    r"\[redacted\]|changeme)$",
    re.IGNORECASE,
)
_ASSIGNED = re.compile(
    r"(?i)\b(?P<key>pass(?:word|wd|phrase)?|pwd|secret|api[_ -]?key|client[_ -]?secret|"
    r"access[_ -]?key|auth[_ -]?token|token)\b"
    r"(?P<sep>=|\s+(?:is|was)\s+|\s*[=:]\s+|\s+[=:]?\s*)['\"]?(?P<value>[^\s'\",;]+)"
)
_HOSTNAME = re.compile(r"^[A-Za-z0-9@._-]+\.[A-Za-z0-9-]+\.[A-Za-z]{2,12}$")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CHUNK_RUN = re.compile(r"(?:[A-Za-z0-9/+=_-]{2,12}[ \t]+){2,}[A-Za-z0-9/+=_-]{2,12}")
_ENCODED = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-.:@~]{16,}")
_PART_SPLIT = re.compile(r"[-_.:@~/]+")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


# --- the entropy rule -------------------------------------------------------------------
def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _structured(part: str) -> bool:
    """A part of a generated name: a word, CamelCase, digits, hex (hashes, UUIDs) or short."""
    if len(part) <= 8 or part.isdigit() or _HEX.match(part):
        return True
    words = _CAMEL.findall(part)
    if "".join(words) != part:
        return False  # base64 symbols inside
    letters = [w for w in words if not w.isdigit()]
    return bool(letters) and sum(map(len, letters)) / len(letters) >= 3.5


def _looks_random(text: str) -> bool:
    if len(text) < 16 or not re.search(r"[0-9]", text) or not re.search(r"[A-Za-z]", text):
        return False
    mixed_case = re.search(r"[a-z]", text) and re.search(r"[A-Z]", text)
    if mixed_case:
        # ~0.9 of the most a string this long can reach; random base62 lands above it.
        return shannon_entropy(text) >= 0.88 * math.log2(min(len(text), 62))
    return len(text) >= 24 and shannon_entropy(text) >= 4.0


def _random_run(text: str) -> bool:
    """A long random-looking run once the structured parts of each token are set aside.

    Parts longer than 8 that are words, CamelCase, digits or hex end a run; short parts and
    unstructured ones extend it; a run with an unstructured part is tested as one string."""
    for token in _TOKEN.findall(text):
        if _HOSTNAME.match(token):
            continue  # a host name or an e-mail address: its labels are public
        run: list[str] = []
        for part in [*_PART_SPLIT.split(token), None]:
            if part is not None and (len(part) <= 8 or not _structured(part)):
                run.append(part)
                continue
            if any(not _structured(p) for p in run) and _looks_random("".join(run)):
                return True
            run = []
    return False


# --- normalisation ----------------------------------------------------------------------
def _decoded(blob: str) -> str | None:
    """The printable text a base64/base64url/hex blob encodes, or None."""
    raw = None
    if _HEX.match(blob) and len(blob) % 2 == 0:
        raw = bytes.fromhex(blob)
    else:
        try:
            padded = blob.rstrip("=") + "=" * (-len(blob.rstrip("=")) % 4)
            altchars = b"-_" if re.search(r"[-_]", blob) else None
            raw = base64.b64decode(padded, altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if text and printable / len(text) >= 0.95 else None


def _variants(value: str, depth: int = 0):
    text = unicodedata.normalize("NFKC", value).translate(_ZERO_WIDTH)
    yield text
    if "%" in text:
        yield unquote(text)
    for run in _CHUNK_RUN.findall(text):
        chunks = run.split()
        words = sum(bool(re.fullmatch(r"[A-Z]?[a-z]+|[0-9]{1,4}", c)) for c in chunks)
        if words * 2 < len(chunks):  # mostly not words: a key written in groups
            yield "".join(chunks)
    if depth < 2:
        for blob in _ENCODED.findall(text):
            decoded = _decoded(blob)
            if decoded and decoded != blob:
                yield from _variants(decoded, depth + 1)


def _assigned_secret(match: re.Match) -> bool:
    """`password=…`, `password: …`, `password is …`, `api key …` followed by a real value."""
    value, key = match.group("value").rstrip(".!?)]}"), match.group("key").lower()
    if _PLACEHOLDER.match(value) or len(value) < 4:
        return False
    if key.startswith("pass") and match.group("sep") == "=":
        return True  # password=anything (an assignment, not prose)
    if "/" in value and not key.startswith("pass"):
        return False  # secret:etl/key — a path or an ARN part, not a value
    has_digit, has_alpha = re.search(r"[0-9]", value), re.search(r"[A-Za-z]", value)
    symbol = re.search(r"[^A-Za-z0-9]", value) and has_alpha
    mixed = value not in {value.lower(), value.capitalize(), value.upper()}
    if not match.group("sep").strip():  # "password removed": prose unless it looks made up
        return bool((has_digit and has_alpha) or mixed) and len(value) >= 8
    return bool((has_digit and has_alpha) or symbol or mixed) and len(value) >= (
        6 if key.startswith("pass") else 8
    )


def _shape_reason(text: str, *, free_text: bool) -> str | None:
    for label, pattern in PATTERNS + (FREE_TEXT_PATTERNS if free_text else []):
        if pattern.search(text):
            return f"looks like {label}"
    for match in _URL_USERINFO.finditer(text):
        if not _PLACEHOLDER.match(unquote(match.group(1))):
            return "is a URL with a password in it (user:password@)"
    for match in _ASSIGNED.finditer(text):
        if _assigned_secret(match):
            return f"gives a {match.group('key').lower()} value"
    return None


# (value, free_text) → reason, inside `secret_reasons_memoised` only.
_MEMO: ContextVar[dict | None] = ContextVar("secret_reason_memo", default=None)


@contextlib.contextmanager
def secret_reasons_memoised(memo: dict | None = None):
    """Inside the block, `secret_reason` computes each distinct (value, free_text) once:
    every value is still checked, but a file repeating a value (a purpose, a scope) pays
    for it once. `memo` (a dict the caller keeps) shares the answers with a later block in
    the same process — sound because the answer is a pure function of the key."""
    token = _MEMO.set({} if memo is None else memo)
    try:
        yield
    finally:
        _MEMO.reset(token)


def secret_reason(value: str, *, free_text: bool = True) -> str | None:
    """Why `value` looks like a secret, or None."""
    memo = _MEMO.get()
    if memo is None:
        return _secret_reason(value, free_text)
    key = (value, free_text)
    if key not in memo:
        memo[key] = _secret_reason(value, free_text)
    return memo[key]


def _secret_reason(value: str, free_text: bool) -> str | None:
    for text in _variants(value):
        reason = _shape_reason(text, free_text=free_text)
        if reason:
            return reason
        if free_text and _random_run(text):
            return "contains a long random-looking string that looks like a secret"
    return None


# --- identifier formats -----------------------------------------------------------------
_DIGEST_HEX = r"(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})"
_DIGEST_B64 = r"(?:[A-Za-z0-9+/]{22}|[A-Za-z0-9+/]{27}|[A-Za-z0-9+/]{43}|[A-Za-z0-9+/]{86})={0,2}"
_FINGERPRINT = re.compile(
    rf"^(?:(?:(?:SHA256|SHA1|SHA512|MD5):)?(?:{_DIGEST_HEX}|[0-9a-f]{{2}}(?::[0-9a-f]{{2}}){{15,63}})"
    rf"|(?:SHA256|SHA1|SHA512|MD5):(?:{_DIGEST_B64}|[A-Za-z0-9+/]{{1,16}}))$",
    re.IGNORECASE,
)
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}$")
_LAST_CHARS = re.compile(r"^[!-~]{1,6}$")
FORMAT_RULES: dict[str, tuple[re.Pattern, str]] = {
    "fingerprint": (
        _FINGERPRINT,
        "A fingerprint is a digest of the key: its hex (32, 40, 64 or 128 digits, or "
        "colon-separated pairs), or 'SHA256:' / 'SHA1:' / 'MD5:' and the digest in base64 "
        "(OpenSSH style) — or, as a hint, the algorithm and the first 16 characters at most.",
    ),
    "key_id": (
        _KEY_ID,
        "A key id is a public identifier of up to 128 characters (letters, digits and "
        "._:/+=@-), without spaces — e.g. an AWS access key id, a JWK 'kid' or a key UUID.",
    ),
    "last_chars": (_LAST_CHARS, "Give at most the last 6 characters, without spaces."),
}


def identifier_format_reason(field: str, value: str) -> str | None:
    """The format an identifier field must follow, when `value` does not."""
    rule = FORMAT_RULES.get(field)
    if rule is None or not value:
        return None
    pattern, message = rule
    if not pattern.match(value):
        return message
    if field == "fingerprint":
        body = re.sub(r"^(?:SHA256|SHA1|MD5):", "", value, flags=re.IGNORECASE).replace(":", "")
        if len(body) >= 16 and _decoded(body):
            # A digest is random bytes; one that decodes to text is an encoded value.
            return "This is not a digest: it decodes to text. " + message
    return None


# --- control characters -----------------------------------------------------------------
_CONTROL_SINGLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_MULTI = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def control_character_reason(value: str, *, multiline: bool) -> str | None:
    found = (_CONTROL_MULTI if multiline else _CONTROL_SINGLE).search(value)
    if found is None:
        return None
    what = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x00": "a NUL"}
    name = what.get(found.group(), f"the control character U+{ord(found.group()):04X}")
    return (
        f"This field is a single line: it may not contain {name}."
        if not multiline
        else (f"This text may not contain {name}.")
    )


# --- mappings (payloads, rows) ----------------------------------------------------------
def secret_message(reason: str) -> str:
    return (
        f"This value {reason}. Steward never stores secret values: record where the secret "
        "is stored and its fingerprint instead."
    )


def find_secret_values(data: Mapping, *, identifier_fields: Iterable[str] = ()) -> dict[str, str]:
    """Field → message for every field that carries or names a secret value.

    `identifier_fields` hold public identifiers (fingerprints, external ids, key ids): they are
    checked against the known secret shapes but not the entropy rule, and `fingerprint`,
    `key_id`, `last_chars` must follow their formats.
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
                errors[field] = secret_message(reason)
            elif key in identifiers and (fmt := identifier_format_reason(key, value)):
                errors[field] = fmt
    return errors


def ensure_no_secret_values(data: Mapping, *, identifier_fields: Iterable[str] = ()) -> None:
    errors = find_secret_values(data, identifier_fields=identifier_fields)
    if errors:
        raise ValidationError(errors)


def _flatten(data, prefix: str = ""):
    if isinstance(data, Mapping):
        named = ((f"{prefix}.{key}" if prefix else str(key), v) for key, v in data.items())
    elif isinstance(data, list | tuple):
        named = ((f"{prefix}[{i}]" if prefix else f"[{i}]", v) for i, v in enumerate(data))
    else:
        yield prefix, data
        return
    for name, value in named:
        # Scalars yielded here: a row of plain values costs no generator per value.
        if isinstance(value, Mapping | list | tuple):
            yield from _flatten(value, name)
        else:
            yield name, value
