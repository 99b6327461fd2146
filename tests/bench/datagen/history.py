"""History beyond what the other parts write: identity changes (edits, status changes,
moves) topping the history up to the scale's target."""

from __future__ import annotations

from ..copying import history_columns
from .context import DAY, Generation
from .directory import Directory
from .identities import Drawn


def top_up_history(gen: Generation, d: Directory, drawn: dict[int, Drawn]) -> None:
    from identities.models import Identity

    missing = gen.scale.history - gen.counts.get("history (so far)", 0) - gen.history.count()
    cols = history_columns(Identity)
    rows = gen.history.rows.setdefault(Identity, [])
    template = dict.fromkeys(cols)
    template.update(
        kind="workload",
        environment="production",
        purpose="changed",
        entitlements="[]",
        created_at=gen.now - 900 * DAY,
        updated_at=gen.now - 900 * DAY,
        history_type="~",
        history_change_reason="updated by bench",
    )
    slots = {c: n for n, c in enumerate(cols)}
    base = [template[c] for c in cols]
    identity_ids = list(drawn)
    for _ in range(max(0, missing)):
        i = gen.rng.choice(identity_ids)
        x = drawn[i]
        row = base.copy()
        for col, value in (
            ("id", i), ("team_id", x.team), ("platform_id", x.platform), ("risk_tier", x.tier),
            ("status", x.status), ("name", f"identity-{i}"),
            ("external_id", f"ext://{x.platform}/{i}"), ("history_date", gen.ago(1, 800)),
            ("history_user_id", gen.rng.choice(d.people)),
        ):  # fmt: skip
            row[slots[col]] = value
        rows.append(tuple(row))
    gen.step("history", gen.history.flush())
