"""Fill PostgreSQL with a large organisation, fast: psycopg 3 `COPY ... FROM STDIN` per table.

Scale presets (`SCALES`): `small` (≈2,000 identities, for CI) and `full` (100,000 identities,
300,000 credentials, 50,000 requests with evaluations, decisions and grants, 1,000,000
history rows, 200 teams, 50 platforms, RACI at every scope).

The data is deterministic (one seeded RNG) and shaped so that every sweep has work: a few
percent of credentials are due or overdue for rotation, some expired while "beat was down",
some identities ended or went unused, some grants outlived their end, some RACI cells have a
deactivated A and one domain has no global A (ownership gaps).

The evidence ledger is **not** written for the generated rows: the benchmark database
skips it (hashing a million rows is the ledger's own cost, not the paths measured here), so
`verify_audit` reports them as "not in the ledger" and is not part of the bench. Rows that
the measured code writes (sweeps, the import) are chained as usual. Never run `migrate` on a
generated database: its `post_migrate` catch-up would chain every row.
"""

from __future__ import annotations

import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from .datagen.context import SCALES, Generation, Scale
from .datagen.credentials import generate_credentials
from .datagen.directory import generate_directory
from .datagen.history import top_up_history
from .datagen.identities import generate_identities
from .datagen.raci import generate_raci
from .datagen.requests import Approvals, generate_approvals
from .runtime_bench import generate_runtime

__all__ = ["SCALES", "bench_user", "ensure_seeds", "generate"]


def generate(scale: Scale | str, *, seed: int = 20260101, log=print) -> dict:
    """Fill the current database (already migrated, with the seeded domains and policies).
    Returns counts and timings. The parts run in a fixed order: they share one RNG."""
    from core.roles import ADMINS, AUDITORS, ENGINEERS
    from core.system import system_user
    from governance.materialise import refresh as refresh_effective_owners
    from governance.services import permissions_sync

    scale = SCALES[scale] if isinstance(scale, str) else scale
    gen = Generation(scale, random.Random(seed), timezone.now().replace(microsecond=0), log)
    ensure_seeds()
    system = system_user()
    role_groups = {
        name: Group.objects.get_or_create(name=name)[0] for name in (ADMINS, AUDITORS, ENGINEERS)
    }
    directory = generate_directory(gen, role_groups)
    drawn = generate_identities(gen, directory)
    active_credentials = generate_credentials(gen, directory, drawn)
    gen.step("history (so far)", gen.history.flush())
    generate_raci(gen, directory, list(drawn))
    generate_approvals(Approvals(gen, directory, drawn, active_credentials, system.pk))
    top_up_history(gen, directory, drawn)
    gen.step("object permissions", sum(sum(v.values()) for v in permissions_sync().values()))
    gen.step("effective owners", refresh_effective_owners())  # COPY fires no signal: set-based
    analyze()  # the runtime part reads the gaps: planned on the row counts, not on empty tables
    for name, n in generate_runtime(rng=gen.rng, now=gen.now, tokens=scale.identities).items():
        gen.step(name, n)
    analyze()
    counts = gen.counts
    counts["seconds"] = round(time.perf_counter() - gen.started, 1)
    counts["history_rows"] = counts.pop("history (so far)", 0) + counts.pop("history", 0)
    log(f"  generated in {counts['seconds']}s")
    return counts


def analyze() -> None:
    with connection.cursor() as c:
        c.execute("ANALYZE")


def ensure_seeds() -> None:
    """The control domains, approval and rotation policies that migrations seed (a flushed
    test database has lost them)."""
    from approvals.defaults import seed_policies
    from approvals.models import ApprovalPolicy
    from governance.models import ControlDomain
    from lifecycle.defaults import seed_rotation_policies
    from lifecycle.models import RotationPolicy

    if not ControlDomain.objects.exists():
        from tests.governance.factories import default_domains

        default_domains()
    seed_policies(ApprovalPolicy, ApprovalPolicy.history.model, ControlDomain)
    seed_rotation_policies(RotationPolicy, RotationPolicy.history.model)


def bench_user(name: str):
    return get_user_model().objects.get(username=name)
