"""What every part of the generator shares: the scale presets, the vocabulary the names are
made of, and one `Generation` holding the seeded RNG, the clock, the history collected so far
and the counts."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..copying import HistoryWriter


@dataclass(frozen=True)
class Scale:
    name: str
    users: int
    teams: int
    platforms: int
    identities: int
    credentials_per_identity: int
    requests: int
    history: int  # history rows in all (topped up with identity changes)


SCALES = {
    "small": Scale("small", 120, 20, 10, 2_000, 3, 1_000, 20_000),
    "full": Scale("full", 2_000, 200, 50, 100_000, 3, 50_000, 1_000_000),
}

BENCH_USERS = ("bench-admin", "bench-engineer", "bench-owner")
WORDS = [
    "payments",
    "billing",
    "search",
    "ledger",
    "ingest",
    "export",
    "render",
    "notify",
    "report",
    "sync",
    "audit",
    "deploy",
    "backup",
    "scanner",
    "agent",
    "gateway",
    "metrics",
    "profile",
    "checkout",
    "catalog",
    "inventory",
    "fraud",
    "model",
    "summarize",
    "translate",
    "classify",
    "crawler",
    "scheduler",
]
ENVIRONMENTS = ("production", "staging", "development", "test")
TIERS = ("low", "medium", "high", "critical")
TIER_WEIGHTS = (30, 40, 22, 8)
IDENTITY_KINDS = ("ai_agent", "api_client", "service_account", "workload", "bot", "oauth_app")
PLATFORM_KINDS = ("kubernetes", "aws", "gcp", "azure", "api_gateway", "saas", "ci", "ai_platform")
CRED_KINDS = (
    "api_key",
    "access_key",
    "oauth_client_secret",
    "token",
    "certificate",
    "ssh_key",
    "service_account_key",
)
DAY = dt.timedelta(days=1)


@dataclass
class Generation:
    """One run of the generator. Every random draw goes through `rng` in a fixed order, so
    the same seed gives the same rows: the parts must run in the order `generate` calls them."""

    scale: Scale
    rng: random.Random
    now: dt.datetime
    log: Callable[[str], None]
    history: HistoryWriter = field(default_factory=HistoryWriter)
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def ago(self, lo_days: float, hi_days: float) -> dt.datetime:
        return self.now - dt.timedelta(seconds=int(self.rng.uniform(lo_days, hi_days) * 86400))

    def step(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n
        self.log(f"  {name:<22} {n:>9,}  ({time.perf_counter() - self.started:6.1f}s)")
