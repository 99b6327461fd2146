"""Demo registry: teams, platforms, a few hundred identities with credentials of varied age.

Idempotent: existing rows (by slug / platform + external id) are left as they are."""

import random
import zlib
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from .choices import CredentialKind, Environment, IdentityKind, IdentityStatus, RiskTier
from .credentials import credential_record
from .models import Identity, Platform, Team
from .services import identity_register
from .status import identity_set_status

TEAMS = [
    ("payments", "Payments", ["engineer", "owner"]),
    ("platform-eng", "Platform Engineering", ["owner"]),
    ("data-science", "Data Science", ["engineer"]),
    ("growth", "Growth", []),
    ("security", "Security", ["owner"]),
    ("finance-ops", "Finance Operations", ["finance"]),
]
PLATFORMS = [
    ("prod-eks", "Production EKS", "kubernetes", "platform-eng"),
    ("aws-prod", "AWS production account", "aws", "platform-eng"),
    ("aws-sandbox", "AWS sandbox account", "aws", "platform-eng"),
    ("api-gateway", "Public API gateway", "api_gateway", "platform-eng"),
    ("github-actions", "GitHub Actions", "ci", "security"),
    ("openai", "OpenAI organisation", "ai_platform", "data-science"),
    ("salesforce", "Salesforce", "saas", "growth"),
]
PLATFORM_KINDS = {
    "prod-eks": [IdentityKind.WORKLOAD, IdentityKind.SERVICE_ACCOUNT],
    "aws-prod": [IdentityKind.SERVICE_ACCOUNT, IdentityKind.WORKLOAD],
    "aws-sandbox": [IdentityKind.SERVICE_ACCOUNT],
    "api-gateway": [IdentityKind.API_CLIENT, IdentityKind.OAUTH_APP],
    "github-actions": [IdentityKind.BOT],
    "openai": [IdentityKind.AI_AGENT, IdentityKind.API_CLIENT],
    "salesforce": [IdentityKind.OAUTH_APP, IdentityKind.BOT],
}
CREDENTIAL_FOR = {
    IdentityKind.WORKLOAD: CredentialKind.SERVICE_ACCOUNT_KEY,
    IdentityKind.SERVICE_ACCOUNT: CredentialKind.ACCESS_KEY,
    IdentityKind.API_CLIENT: CredentialKind.API_KEY,
    IdentityKind.OAUTH_APP: CredentialKind.OAUTH_CLIENT_SECRET,
    IdentityKind.BOT: CredentialKind.TOKEN,
    IdentityKind.AI_AGENT: CredentialKind.API_KEY,
}
WORDS = [
    "ledger",
    "invoice",
    "refund",
    "payout",
    "fraud",
    "risk",
    "search",
    "catalog",
    "checkout",
    "billing",
    "reports",
    "etl",
    "sync",
    "notifier",
    "scheduler",
    "backup",
    "deploy",
    "scanner",
    "triage",
    "summariser",
    "router",
    "crawler",
    "exporter",
    "importer",
    "gateway",
    "auditor",
]
PURPOSES = [
    "Reads {w} records and publishes daily aggregates for {t}.",
    "Writes {w} events to the message bus on behalf of the {t} service.",
    "Agent that triages {w} tickets and drafts replies for {t} review.",
    "Nightly {w} export to the data warehouse, owned by {t}.",
    "Calls the partner API to reconcile {w} state for {t}.",
]


def seed(ctx: dict) -> None:
    admin = ctx["users"]["admin"]
    teams = _teams(ctx)
    platforms = _platforms(admin, teams)
    if Identity.objects.exists():
        return
    rng = random.Random(42)
    now = timezone.now()
    size = ctx.get("size", 300)
    for n in range(size):
        platform = platforms[n % len(platforms)]
        team = teams[rng.randrange(len(teams))]
        kind = rng.choice(PLATFORM_KINDS[platform.slug])
        word = rng.choice(WORDS)
        name = f"{team.slug}-{word}-{n:03d}"
        identity = identity_register(
            actor=admin,
            team=team,
            platform=platform,
            name=name,
            kind=kind,
            external_id=_external_id(platform, team, name),
            environment=rng.choice(Environment.values),
            purpose=rng.choice(PURPOSES).format(w=word, t=team.name),
            risk_tier=rng.choices(RiskTier.values, weights=[4, 4, 2, 1])[0],
            entitlements=[f"{word}:read"] + ([f"{word}:write"] if rng.random() < 0.5 else []),
            ends_on=(now + timedelta(days=rng.randint(2, 200))).date()
            if rng.random() < 0.2
            else None,
            status=IdentityStatus.ACTIVE if rng.random() < 0.85 else IdentityStatus.PENDING,
            source="demo",
        )
        for c in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            # Mostly within policy, with a tail of stale credentials to rotate.
            age = rng.randint(1, 80) if rng.random() < 0.85 else rng.randint(120, 500)
            issued = now - timedelta(days=age)
            lifetime = rng.choice([30, 90, 180, 365, None])
            credential_record(
                actor=admin,
                identity=identity,
                kind=CREDENTIAL_FOR[kind],
                label=f"{word} key {c + 1}",
                key_id=f"{word}-{n:03d}-{c + 1}",
                storage_location=f"vault:secret/data/{team.slug}/{name}/{c + 1}",
                fingerprint=f"SHA256:{rng.getrandbits(160):040x}",
                last_chars=f"{rng.getrandbits(16):04x}",
                issued_at=issued,
                expires_at=issued + timedelta(days=lifetime) if lifetime else None,
            )
        if identity.status == IdentityStatus.ACTIVE and rng.random() < 0.05:
            identity_set_status(
                actor=admin,
                identity=identity,
                status=IdentityStatus.SUSPENDED,
                reason="Suspended during the demo incident review.",
            )
    ctx["stdout"].write(f"Registered {size} demo identities.")


def _teams(ctx) -> list[Team]:
    users = ctx["users"]
    teams = []
    for slug, name, members in TEAMS:
        group, _ = Group.objects.get_or_create(name=f"team:{slug}")
        team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": name, "group": group})
        group.user_set.add(*(users[m] for m in members))
        teams.append(team)
    return teams


def _platforms(admin, teams) -> list[Platform]:
    by_slug = {t.slug: t for t in teams}
    return [
        Platform.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "owning_team": by_slug[owner]}
        )[0]
        for slug, name, kind, owner in PLATFORMS
    ]


def _external_id(platform: Platform, team: Team, name: str) -> str:
    match platform.kind:
        case "kubernetes":
            return f"{team.slug}/{name}"
        case "aws":
            return f"arn:aws:iam::{zlib.crc32(platform.slug.encode()) % 10**12:012d}:role/{name}"
        case "ci":
            return f"repo:acme/{team.slug}:environment:{name}"
        case _:
            return f"{platform.slug}:{name}"
