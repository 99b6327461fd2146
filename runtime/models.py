"""Workload identity federation: trusted issuers, the versioned runtime policy, every token
exchange's evaluation (issued or refused), issued-token records (the jti, never the token) and
the resource servers that introspect tokens (a hashed secret, never the secret)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.history import AppendOnlyManager, GovernedHistory
from core.models import ApiToken, TimeStampedModel
from core.text_guard import Rule
from identities.choices import RiskTier
from identities.models import Identity, Platform

from .choices import ALLOWED_ALGORITHMS, GrantType, Outcome, SubjectMapping


def _default_algorithms() -> list[str]:
    return ["RS256", "ES256", "EdDSA"]


ID, R, X = Rule.IDENTIFIER, Rule.RECORD, Rule.EXEMPT


class TrustedIssuer(TimeStampedModel):
    """A platform's token issuer whose signed JWTs prove a workload's identity."""

    # Public ids, public keys and records Steward writes (core.text_guard). A JWKS is checked
    # by keys.public_keyset_errors on every path that writes one (public members only, the
    # secret-shape rule on all but the key material): a public RSA modulus is random base64
    # and would trip the secret-shape rule by chance.
    text_guard = {"jwks": X, "jwks_fetched": X, "jwks_error": R}

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="issuers")
    name = models.CharField(max_length=200)
    issuer = models.CharField(max_length=500, unique=True, help_text="The proof's `iss`.")
    audience = models.CharField(max_length=500, help_text="The `aud` Steward expects in the proof.")
    jwks = models.JSONField(
        default=dict, blank=True, help_text="Inline JWKS (public keys), or leave empty for a URL."
    )
    jwks_url = models.URLField(max_length=500, blank=True)
    jwks_fetched = models.JSONField(default=dict, blank=True, editable=False)
    jwks_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    jwks_error = models.CharField(max_length=500, blank=True, editable=False)
    algorithms = models.JSONField(default=_default_algorithms)
    subject_claim = models.CharField(max_length=100, default="sub")
    subject_mapping = models.CharField(
        max_length=20, choices=SubjectMapping.choices, default=SubjectMapping.EXACT
    )
    max_proof_lifetime_seconds = models.PositiveIntegerField(
        default=3600, help_text="Refuse proofs valid for longer than this."
    )
    active = models.BooleanField(default=True)
    history = GovernedHistory(excluded_fields=["jwks_fetched", "jwks_fetched_at", "jwks_error"])

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        algs = self.algorithms if isinstance(self.algorithms, list) else None
        if not algs or any(a not in ALLOWED_ALGORITHMS for a in algs):
            allowed = ", ".join(ALLOWED_ALGORITHMS)
            raise ValidationError({"algorithms": f"Choose asymmetric algorithms among {allowed}."})
        if self.jwks_url and settings.PRODUCTION and not self.jwks_url.startswith("https://"):
            raise ValidationError({"jwks_url": "In production, keys are fetched over https only."})
        if bool(self.jwks) == bool(self.jwks_url):
            raise ValidationError("Give either an inline JWKS or a JWKS URL (one of the two).")
        if self.jwks:
            from .keys import public_keyset_errors

            problem = public_keyset_errors(self.jwks)
            if problem:
                raise ValidationError({"jwks": problem})

    @property
    def key_set(self) -> dict:
        return self.jwks or self.jwks_fetched or {"keys": []}


class RuntimePolicy(TimeStampedModel):
    """The rules a token exchange is evaluated against. One row (`key="default"`), versioned
    like approvals' policies: every change is a new version kept in history."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {"key": ID}

    key = models.SlugField(max_length=50, unique=True, default="default")
    name = models.CharField(max_length=200, default="Runtime access")
    version = models.PositiveIntegerField(default=1)
    max_lifetime_seconds = models.PositiveIntegerField(
        default=900, help_text="Longest token lifetime for a tier not listed below."
    )
    lifetime_by_risk = models.JSONField(
        default=dict, blank=True, help_text='Seconds per risk tier, e.g. {"critical": 300}.'
    )
    grant_scopes = models.JSONField(
        default=list,
        blank=True,
        help_text="Scopes that need an active grant covering them ('*' ends a prefix).",
    )
    gap_refusal_tiers = models.JSONField(
        default=list, blank=True, help_text="Risk tiers refused when the identity domain has no A."
    )
    allowed_audiences = models.JSONField(
        default=list, blank=True, help_text="Audiences tokens may be issued for; empty: any."
    )
    default_audience = models.CharField(max_length=300, default="steward")
    history = GovernedHistory()

    RULE_FIELDS = (
        "max_lifetime_seconds",
        "lifetime_by_risk",
        "grant_scopes",
        "gap_refusal_tiers",
        "allowed_audiences",
        "default_audience",
    )

    class Meta:
        verbose_name_plural = "runtime policies"

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def clean(self):
        tiers = set(RiskTier.values)
        by_risk = self.lifetime_by_risk if isinstance(self.lifetime_by_risk, dict) else None
        if by_risk is None or any(
            k not in tiers or not isinstance(v, int) or v < 1 for k, v in by_risk.items()
        ):
            raise ValidationError({"lifetime_by_risk": "Positive seconds per known risk tier."})
        if not isinstance(self.gap_refusal_tiers, list) or set(self.gap_refusal_tiers) - tiers:
            raise ValidationError({"gap_refusal_tiers": "A list of known risk tiers."})
        for name in ("grant_scopes", "allowed_audiences"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({name: "A list of strings."})

    def lifetime_for(self, risk_tier: str) -> int:
        return int(self.lifetime_by_risk.get(risk_tier, self.max_lifetime_seconds))

    def needs_grant(self, scope: str) -> bool:
        for pattern in self.grant_scopes:
            if (pattern.endswith("*") and scope.startswith(pattern[:-1])) or scope == pattern:
                return True
        return False


class TokenExchange(models.Model):
    """One token request and its evaluation, issued or refused. Append-only evidence: policy
    and exact version, issuer, subject, requested scopes, outcome and reasons — never the
    proof or the token."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {
        "claimed_issuer": ID,
        "subject": ID,
        "requested_scopes": R,
        "audience": ID,
        "error": R,
        "reasons": R,
    }

    grant_type = models.CharField(max_length=100, blank=True)
    policy = models.ForeignKey(RuntimePolicy, on_delete=models.PROTECT, related_name="+")
    policy_version = models.PositiveIntegerField()
    issuer = models.ForeignKey(
        TrustedIssuer, on_delete=models.PROTECT, null=True, blank=True, related_name="exchanges"
    )
    claimed_issuer = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    identity = models.ForeignKey(
        Identity, on_delete=models.PROTECT, null=True, blank=True, related_name="token_exchanges"
    )
    grant = models.ForeignKey(
        "approvals.Grant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_scopes = models.JSONField(default=list, blank=True)
    audience = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.CharField(max_length=40, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    evaluated_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyManager()  # bulk rows reach the evidence ledger

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        indexes = [
            models.Index(fields=["identity", "-evaluated_at"]),
            models.Index(fields=["outcome", "-evaluated_at"]),
        ]

    def __str__(self) -> str:
        return f"exchange #{self.pk}: {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Token exchanges are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Token exchanges are append-only.")

    @property
    def grant_type_label(self) -> str:
        return GrantType(self.grant_type).label if self.grant_type in GrantType.values else "—"


class IssuedToken(models.Model):
    """An access token Steward signed: its `jti` and what it allows — never the token."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {"jti": X, "scopes": R, "audience": ID, "kid": X}  # our own random ids

    jti = models.CharField(max_length=64, unique=True)
    exchange = models.OneToOneField(TokenExchange, on_delete=models.PROTECT, related_name="token")
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="tokens")
    grant = models.ForeignKey(
        "approvals.Grant", on_delete=models.PROTECT, null=True, blank=True, related_name="tokens"
    )
    scopes = models.JSONField(default=list, blank=True)
    audience = models.CharField(max_length=300)
    kid = models.CharField(max_length=100, help_text="The signing key's id.")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(max_length=500, blank=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["identity", "-issued_at"]),
            models.Index(fields=["grant", "revoked_at"]),
            models.Index(fields=["kid", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"token {self.jti[:8]}… for {self.identity}"


class ResourceServer(TimeStampedModel):
    """An API that introspects Steward tokens (RFC 7662 §2.1 asks it to authenticate). Only a
    SHA-256 digest of its secret is stored (as for core's API tokens); shown once."""

    # Public ids, public keys and records Steward writes (core.text_guard).
    text_guard = {"client_id": ID, "digest": X}

    PREFIX = "stwrs_"

    name = models.CharField(max_length=100)
    client_id = models.SlugField(max_length=100, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    hash = staticmethod(ApiToken.hash)
