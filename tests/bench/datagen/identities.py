"""Identities (mostly active; some ended, unused or never used) and their onboarding
lifecycle events."""

from __future__ import annotations

from dataclasses import dataclass

from ..copying import as_json, copy_rows, next_id, reset_sequence
from .context import (
    DAY,
    ENVIRONMENTS,
    IDENTITY_KINDS,
    TIER_WEIGHTS,
    TIERS,
    WORDS,
    Generation,
)
from .directory import Directory

IDENTITY_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "name",
    "kind",
    "external_id",
    "platform_id",
    "team_id",
    "environment",
    "purpose",
    "risk_tier",
    "entitlements",
    "status",
    "ends_on",
    "last_used_at",
    "created_by_id",
]
EVENT_COLUMNS = [
    "identity_id",
    "kind",
    "occurred_at",
    "actor_id",
    "summary",
    "related_type",
    "related_id",
    "details",
]


@dataclass(frozen=True)
class Drawn:
    """What later parts need to know of a generated identity."""

    team: int
    platform: int
    tier: str
    status: str


def _status(r: float) -> str:
    if r < 0.85:
        return "active"
    if r < 0.90:
        return "suspended"
    if r < 0.95:
        return "pending"
    return "decommissioned" if r < 0.99 else "rejected"


def _identity(gen: Generation, d: Directory, n: int, i: int) -> tuple[dict, Drawn]:
    rng = gen.rng
    team = rng.choice(d.team_ids)
    platform = rng.choice(d.platform_ids)
    tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
    status = _status(rng.random())
    created = gen.ago(30, 900)
    ends_on = None
    if rng.random() < 0.08:
        ends_on = (gen.now + rng.uniform(-60, 200) * DAY).date()
    r = rng.random()
    last_used = gen.ago(0, 30) if r < 0.90 else gen.ago(100, 400) if r < 0.97 else None
    word = WORDS[n % len(WORDS)]
    name = f"{word}-{IDENTITY_KINDS[n % 6].replace('_', '-')}-{n:06d}"
    values = {
        "id": i,
        "created_at": created,
        "updated_at": created,
        "name": name,
        "kind": IDENTITY_KINDS[n % 6],
        "external_id": f"ext://{platform}/{name}",
        "platform_id": platform,
        "team_id": team,
        "created_by_id": rng.choice(d.people),
        "environment": rng.choice(ENVIRONMENTS),
        "purpose": f"{word.title()} automation for {d.team_slug[team]}: reads and writes "
        f"{WORDS[(n * 7) % len(WORDS)]} data on schedule.",
        "risk_tier": tier,
        "entitlements": as_json([f"{word}:read", f"{WORDS[(n * 3) % len(WORDS)]}:write"]),
        "status": status,
        "ends_on": ends_on,
        "last_used_at": last_used,
    }
    return values, Drawn(team, platform, tier, status)


def generate_identities(gen: Generation, d: Directory) -> dict[int, Drawn]:
    """Returns identity id -> what was drawn for it, in id order."""
    from identities.models import Identity, LifecycleEvent

    iid0 = next_id(Identity)
    drawn: dict[int, Drawn] = {}
    events = []

    def identity_rows():
        for n, i in enumerate(range(iid0, iid0 + gen.scale.identities)):
            values, drawn[i] = _identity(gen, d, n, i)
            created, by = values["created_at"], values["created_by_id"]
            gen.history.add(Identity, values, created, "+", by, "registered via import by bench")
            events.append(
                (i, "onboarded", created, by, "Registered via bench as active", "", None, "{}")
            )
            yield tuple(values[c] for c in IDENTITY_COLUMNS)

    gen.step("identities", copy_rows(Identity, IDENTITY_COLUMNS, identity_rows()))
    reset_sequence(Identity)
    gen.step("lifecycle events", copy_rows(LifecycleEvent, EVENT_COLUMNS, events))
    return drawn
