"""Demo runtime access: a demo Kubernetes issuer for the `prod-eks` platform whose private key
is generated under var/ (never the database), so `manage.py sign_demo_proof` can play the
cluster and sign a service-account token that the README exchanges with curl."""

import json
import os
import time
from pathlib import Path

from django.conf import settings
from joserfc import jwk, jwt

from core.history import stamp
from core.system import system_user
from identities.models import Identity, Platform

from .choices import SubjectMapping
from .models import TrustedIssuer

DEMO_ISSUER = "https://prod-eks.demo.steward.invalid"
DEMO_PLATFORM = "prod-eks"


def demo_key() -> jwk.ECKey:
    path = Path(settings.VAR_DIR) / "demo-issuer-key.json"
    if not path.exists():
        key = jwk.ECKey.generate_key("P-256", auto_kid=True)
        path.write_text(json.dumps(key.as_dict(private=True)))
        os.chmod(path, 0o600)
    return jwk.ECKey.import_key(json.loads(path.read_text()))


def seed(ctx: dict) -> None:
    platform = Platform.objects.filter(slug=DEMO_PLATFORM).first()
    if platform is None or TrustedIssuer.objects.filter(issuer=DEMO_ISSUER).exists():
        return
    issuer = TrustedIssuer(
        platform=platform,
        name="Production EKS (demo issuer)",
        issuer=DEMO_ISSUER,
        audience=settings.RUNTIME_ISSUER,
        jwks={"keys": [demo_key().as_dict(private=False)]},
        algorithms=["ES256"],
        subject_mapping=SubjectMapping.KUBERNETES,
        max_proof_lifetime_seconds=3600,
    )
    issuer.full_clean()
    stamp(issuer, actor=system_user(), reason="demo issuer")
    issuer.save()


def demo_proof(identity: Identity, *, lifetime: int = 600) -> str:
    """A Kubernetes-shaped service-account token for `identity`, signed by the demo issuer."""
    issuer = TrustedIssuer.objects.filter(issuer=DEMO_ISSUER).first()
    if issuer is None:
        raise ValueError("No demo issuer: run `manage.py seed_demo` first.")
    if identity.platform_id != issuer.platform_id or identity.external_id.count("/") != 1:
        raise ValueError(
            f"The demo issuer vouches for {issuer.platform.name} service accounts "
            "(external id namespace/name) only."
        )
    namespace, name = identity.external_id.split("/")
    now = int(time.time())
    claims = {
        "iss": DEMO_ISSUER,
        "aud": [issuer.audience],
        "sub": f"system:serviceaccount:{namespace}:{name}",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name}},
    }
    key = demo_key()
    return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "JWT"}, claims, key)
