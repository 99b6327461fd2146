"""Verifying a workload's proof (a JWT its platform signed) as RFC 8725 asks.

Pure reading: nothing here writes. Every failure is a `ProofError` whose message tells the
workload's engineer what to fix; nothing else escapes, whatever the input."""

import datetime as dt
import json
import warnings
from dataclasses import dataclass

from django.conf import settings
from joserfc import jwk, jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from .choices import ALLOWED_ALGORITHMS, SubjectMapping
from .models import TrustedIssuer

MAX_PROOF_BYTES = 16 * 1024


class ProofError(Exception):
    """The proof cannot be trusted; `claimed_issuer` and `subject` are what it said."""

    def __init__(self, message: str, *, claimed_issuer: str = "", subject: str = ""):
        super().__init__(message)
        self.claimed_issuer = claimed_issuer
        self.subject = subject


@dataclass
class Proof:
    issuer: TrustedIssuer
    claims: dict
    subject: str
    external_id: str
    expires_at: dt.datetime


def printable(value, limit: int = 300) -> str:
    """A claim as evidence text: a string, printable, bounded (PostgreSQL refuses NUL)."""
    if not isinstance(value, str):
        return ""
    return "".join(c for c in value[:limit] if c.isprintable())


def _unverified(token: str) -> tuple[dict, dict]:
    """Header and claims, read only to choose the issuer and key: trusted after the signature
    checks out, never before."""
    if not isinstance(token, str) or not token:
        raise ProofError("The proof is empty.")
    if len(token) > MAX_PROOF_BYTES:
        raise ProofError(f"The proof is longer than {MAX_PROOF_BYTES} bytes.")
    if token.count(".") != 2:
        raise ProofError("The proof is not a signed JWT (JWS compact serialisation).")
    try:
        obj = extract_compact(token.encode("ascii"))
        claims = json.loads(obj.payload)
    except (JoseError, ValueError, UnicodeError, TypeError) as exc:
        raise ProofError("The proof is not a well-formed JWT.") from exc
    if not isinstance(claims, dict) or not isinstance(obj.protected, dict):
        raise ProofError("The proof's header and claims must be JSON objects.")
    return obj.protected, claims


_keysets: dict[int, tuple[str, jwk.KeySet]] = {}


def _keyset(issuer: TrustedIssuer) -> jwk.KeySet:
    """The issuer's keys, imported once per process until its key set changes (importing a
    key costs more than verifying a signature with it; figure 7 of the bench)."""
    marker = json.dumps(issuer.key_set, sort_keys=True)
    cached = _keysets.get(issuer.pk)
    if cached is not None and cached[0] == marker:
        return cached[1]
    keys = jwk.KeySet.import_key_set(issuer.key_set)
    _keysets[issuer.pk] = (marker, keys)
    return keys


def _key_for(issuer: TrustedIssuer, header: dict) -> jwk.Key:
    if not issuer.key_set.get("keys"):
        raise ProofError(f"No keys are known yet for issuer {issuer.name}.")
    try:
        keys = _keyset(issuer)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ProofError(f"The key set of issuer {issuer.name} cannot be read.") from exc
    if not keys.keys:
        raise ProofError(f"No keys are known yet for issuer {issuer.name}.")
    kid = header.get("kid")
    if kid is None:
        if len(keys.keys) == 1:
            return keys.keys[0]
        raise ProofError("The proof's header names no kid and the issuer has several keys.")
    for key in keys.keys:
        if key.kid == kid:
            return key
    hint = " (keys are refreshed from the JWKS URL periodically)" if issuer.jwks_url else ""
    raise ProofError(
        f"Unknown signing key kid {printable(kid, 80)!r} for issuer {issuer.name}{hint}."
    )


def map_subject(issuer: TrustedIssuer, value: str) -> str:
    """The identity's external id named by the proof's subject claim."""
    if issuer.subject_mapping == SubjectMapping.KUBERNETES:
        parts = value.split(":")
        if len(parts) != 4 or parts[:2] != ["system", "serviceaccount"] or not all(parts[2:]):
            raise ProofError(
                f"Subject {value!r} is not a Kubernetes service account "
                "(system:serviceaccount:<namespace>:<name>)."
            )
        return f"{parts[2]}/{parts[3]}"
    if issuer.subject_mapping == SubjectMapping.GITHUB:
        parts = value.split(":")
        if len(parts) < 2 or parts[0] != "repo" or parts[1].count("/") != 1:
            raise ProofError(
                f"Subject {value!r} is not a GitHub Actions subject (repo:org/repo:…)."
            )
        return parts[1]
    if issuer.subject_mapping == SubjectMapping.SPIFFE and not value.startswith("spiffe://"):
        raise ProofError(f"Subject {value!r} is not a SPIFFE id (spiffe://…).")
    return value


def _timestamp(claims: dict, name: str, *, required: bool) -> int | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise ProofError(f"The proof has no {name!r} claim.")
        return None
    # RFC 7519 §2: NumericDate is a JSON number of seconds (booleans are not numbers).
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1e11 < value < 1e11:
        raise ProofError(f"The proof's {name!r} claim is not a NumericDate.")
    return int(value)


def _check_claims(issuer: TrustedIssuer, claims: dict, now: dt.datetime) -> dt.datetime:
    skew = settings.RUNTIME_CLOCK_SKEW_SECONDS
    ts = int(now.timestamp())
    # RFC 8725 §3.8-3.9: validate the issuer and the audience.
    if claims.get("iss") != issuer.issuer:
        raise ProofError("The proof's iss does not match its trusted issuer.")
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if issuer.audience not in auds:
        raise ProofError(
            f"The proof's audience must include {issuer.audience!r} "
            f"(request a token for that audience from your platform)."
        )
    exp = _timestamp(claims, "exp", required=True)
    nbf = _timestamp(claims, "nbf", required=False)
    iat = _timestamp(claims, "iat", required=False)
    if exp <= ts - skew:
        raise ProofError("The proof has expired: get a fresh token from your platform.")
    if nbf is not None and nbf > ts + skew:
        raise ProofError("The proof is not valid yet (nbf is in the future).")
    if iat is not None and iat > ts + skew:
        raise ProofError("The proof was issued in the future (iat): check the clocks.")
    start = iat if iat is not None else nbf if nbf is not None else ts
    if exp - start > issuer.max_proof_lifetime_seconds:
        raise ProofError(
            f"The proof is valid for {exp - start} s; issuer {issuer.name} allows at most "
            f"{issuer.max_proof_lifetime_seconds} s (use a short-lived token)."
        )
    return dt.datetime.fromtimestamp(exp, tz=dt.UTC)


_issuers: dict[str, TrustedIssuer] = {}


def trusted_issuer(iss: str, *, fresh: bool = False) -> TrustedIssuer | None:
    """The issuer named `iss`, as this process last read it (`fresh`: read now). A decision
    made with a cached copy stands only if the copy is still current (`policy.identity_for`
    checks its `updated_at` and `jwks_fetched_at`); refusals are always decided fresh."""
    if not fresh and iss in _issuers:
        return _issuers[iss]
    issuer = TrustedIssuer.objects.select_related("platform").filter(issuer=iss).first()
    if issuer is not None and issuer.active:
        _issuers[iss] = issuer
    else:
        _issuers.pop(iss, None)
    return issuer


def forget_issuers() -> None:
    _issuers.clear()


def verify_proof(token, *, now: dt.datetime, fresh: bool = False) -> Proof:
    header, unverified = _unverified(token)
    claimed = printable(unverified.get("iss"))
    sub_claim = printable(unverified.get("sub"))

    def fail(message):
        return ProofError(message, claimed_issuer=claimed, subject=sub_claim)

    alg = header.get("alg")
    # RFC 8725 §2.1 / §3.1: never "none", never HMAC, only the issuer's listed algorithms.
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise fail(
            f"Algorithm {printable(alg, 20)!r} is not accepted: use an asymmetric signature."
        )
    if header.get("crit") is not None:
        raise fail("Critical header extensions are not supported.")
    if not claimed:
        raise fail("The proof has no iss claim.")
    issuer = trusted_issuer(claimed, fresh=fresh)
    if issuer is None or not issuer.active:
        raise fail(f"Issuer {claimed!r} is not trusted by Steward.")
    if alg not in issuer.algorithms:
        raise fail(f"Issuer {issuer.name} is not allowed to sign with {alg}.")
    try:
        key = _key_for(issuer, header)
    except ProofError as exc:
        raise fail(str(exc)) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "EdDSA" is deprecated by RFC 9864, still valid
            claims = jwt.decode(token, key, algorithms=[alg]).claims
    # Hostile input reaches the JOSE and crypto libraries here; whatever they raise (a key
    # of the wrong type, a signature of the wrong length) means the same: not verified.
    except Exception as exc:
        raise fail("The proof's signature does not verify with the issuer's key.") from exc
    try:
        expires_at = _check_claims(issuer, claims, now)
        value = claims.get(issuer.subject_claim)
        if not isinstance(value, str) or not value:
            raise ProofError(
                f"The proof has no {issuer.subject_claim!r} claim naming the workload."
            )
        external_id = map_subject(issuer, value)
    except ProofError as exc:
        raise fail(str(exc)) from exc
    return Proof(issuer, claims, printable(value), external_id, expires_at)
