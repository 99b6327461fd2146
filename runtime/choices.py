from django.db import models


class SubjectMapping(models.TextChoices):
    """How a proof's subject claim names the identity's external id on the platform."""

    KUBERNETES = (
        "kubernetes",
        "Kubernetes service account (system:serviceaccount:ns:name → ns/name)",
    )
    GITHUB = "github", "GitHub Actions (repo:org/repo:… → org/repo)"
    SPIFFE = "spiffe", "SPIFFE id, as is"
    EXACT = "exact", "The claim value, as is"


class Outcome(models.TextChoices):
    ISSUED = "issued", "Issued"
    REFUSED = "refused", "Refused"


class GrantType(models.TextChoices):
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange", "Token exchange (RFC 8693)"
    JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer", "JWT bearer (RFC 7523)"


# Asymmetric JWS algorithms a trusted issuer may use (RFC 8725 §3.1: an allow-list per issuer;
# never "none", never an HMAC algorithm, whose "secret" could be the issuer's public key).
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "Ed25519",  # RFC 9864's fully specified name for EdDSA over Ed25519
    "EdDSA",
)


class NotificationKind(models.TextChoices):
    TOKENS_REVOKED = "runtime.tokens_revoked", "Runtime tokens revoked"
