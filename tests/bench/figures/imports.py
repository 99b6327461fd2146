"""Figure 5: an import of identities with history vs the same rows without history."""

from __future__ import annotations

import io

from .common import bench_users, queries, rolled_back, time_figure, timed_together

NO_HISTORY = "bulk_create, no history"


def import_csv(n: int, *, team_slug: str, platform_slug: str) -> str:
    import csv

    from identities.importers.steward import COLUMNS

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for k in range(n):
        name = f"imported-{k:06d}"
        w.writerow(
            [
                name,
                "workload",
                f"bench-import://{name}",
                platform_slug,
                team_slug,
                "production",
                "Imported by the benchmark",
                "medium",
                "read;write",
                "",
            ]
        )
    return buf.getvalue()


def _unsaved_identities(n: int, *, team, platform, admin) -> list:
    """The CSV's rows as unsaved identities, for the bulk_create paths."""
    from identities.models import Identity

    return [
        Identity(
            name=f"imported-{k:06d}",
            kind="workload",
            external_id=f"bench-import://imported-{k:06d}",
            platform=platform,
            team=team,
            environment="production",
            purpose="Imported by the benchmark",
            risk_tier="medium",
            entitlements=["read", "write"],
            status="active",
            created_by=admin,
        )
        for k in range(n)
    ]


def measure_import(repeat: int, n: int) -> list[dict]:
    from simple_history.utils import bulk_create_with_history

    from identities.importers.apply import apply_import
    from identities.importers.services import import_preview
    from identities.models import Identity, ImportFormat, Platform, Team

    admin = bench_users()["bench-admin"]
    team = Team.objects.order_by("id").first()
    platform_obj, _ = Platform.objects.get_or_create(
        slug="bench-import", defaults={"name": "Bench import", "kind": "other"}
    )
    content = import_csv(n, team_slug=team.slug, platform_slug=platform_obj.slug)

    def with_history():
        with rolled_back():
            plan = import_preview(actor=admin, format=ImportFormat.STEWARD_CSV, content=content)
            written = apply_import(actor=admin, plan=plan, reference="bench")
            assert written["create"] == n, written

    def objs():
        return _unsaved_identities(n, team=team, platform=platform_obj, admin=admin)

    def without_history():
        with rolled_back():
            Identity.objects.bulk_create(objs(), batch_size=1000)

    def bulk_with_history():
        with rolled_back():
            bulk_create_with_history(objs(), Identity, batch_size=1000, default_user=admin)

    nq = queries(with_history)
    base, bulk, t = timed_together(without_history, bulk_with_history, with_history, repeat=repeat)
    return [
        time_figure(
            "5",
            f"import {n:,} identities (apply path, with history)",
            t,
            base,
            limit=2.5,
            queries=nq,
            baseline_name=NO_HISTORY,
        ),
        time_figure(
            "5",
            f"bulk_create_with_history {n:,} identities",
            bulk,
            base,
            limit=2.5,
            baseline_name=NO_HISTORY,
        ),
    ]
