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

import datetime as dt
import functools
import json
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from .runtime_bench import GATED_SCOPE, generate_runtime


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


# --- COPY plumbing ------------------------------------------------------------------------
def _raw_cursor():
    return connection.cursor().cursor  # the psycopg 3 cursor under Django's wrapper


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY `rows` (tuples in `columns` order) into `model`'s table; returns the count."""
    table = model._meta.db_table
    cols = ", ".join(f'"{c}"' for c in columns)
    n = 0
    with _raw_cursor().copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def next_id(model) -> int:
    with connection.cursor() as c:
        c.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')  # noqa: S608
        return c.fetchone()[0] + 1


def reset_sequence(model, pk: str = "id") -> None:
    table = model._meta.db_table
    with connection.cursor() as c:
        c.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608
            f'COALESCE((SELECT MAX("{pk}") FROM "{table}"), 1))',
            [f'"{table}"', pk],
        )


@functools.cache
def history_columns(model) -> list[str]:
    """The historical table's columns we write (history_id comes from its identity)."""
    return [
        f.attname for f in model.history.model._meta.concrete_fields if f.attname != "history_id"
    ]


class HistoryWriter:
    """Collects history rows per model as tuples in the historical table's column order."""

    def __init__(self):
        self.rows: dict[type, list[tuple]] = {}

    def add(self, model, values: dict, when, kind: str, user_id, reason: str) -> None:
        cols = history_columns(model)
        extra = {
            "history_date": when,
            "history_type": kind,
            "history_user_id": user_id,
            "history_change_reason": reason,
        }
        self.rows.setdefault(model, []).append(
            tuple(extra[c] if c in extra else values.get(c) for c in cols)
        )

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def flush(self) -> int:
        total = 0
        for model, rows in self.rows.items():
            total += copy_rows(model.history.model, history_columns(model), rows)
        self.rows = {}
        return total


def _j(value) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- the generator ------------------------------------------------------------------------
def generate(scale: Scale | str, *, seed: int = 20260101, log=print) -> dict:
    """Fill the current database (already migrated, with the seeded domains and policies).
    Returns counts and timings."""
    from approvals.models import (
        ApprovalPolicy,
        Decision,
        Grant,
        GrantCredential,
        PolicyEvaluation,
        Request,
    )
    from core.roles import ADMINS, AUDITORS, ENGINEERS
    from core.system import system_user
    from governance.materialise import refresh as refresh_effective_owners
    from governance.models import Assignment, ControlDomain
    from governance.services import permissions_sync
    from identities.models import Credential, Identity, LifecycleEvent, Platform, Team
    from lifecycle.models import RotationPolicy

    scale = SCALES[scale] if isinstance(scale, str) else scale
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    day = dt.timedelta(days=1)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    history = HistoryWriter()

    def ago(lo_days: float, hi_days: float) -> dt.datetime:
        return now - dt.timedelta(seconds=int(rng.uniform(lo_days, hi_days) * 86400))

    def step(name: str, n: int) -> None:
        counts[name] = counts.get(name, 0) + n
        log(f"  {name:<22} {n:>9,}  ({time.perf_counter() - started:6.1f}s)")

    ensure_seeds()
    User = get_user_model()
    system = system_user()
    role_groups = {
        name: Group.objects.get_or_create(name=name)[0] for name in (ADMINS, AUDITORS, ENGINEERS)
    }

    # users: a few named bench personas, then people; 3% deactivated (gaps when they are A)
    uid0 = next_id(User)
    user_ids = list(range(uid0, uid0 + scale.users))
    named = dict(zip(BENCH_USERS, user_ids[: len(BENCH_USERS)], strict=True))
    inactive = {u for u in user_ids[len(BENCH_USERS) :] if rng.random() < 0.03}
    active_people = [u for u in user_ids[len(BENCH_USERS) :] if u not in inactive]
    usernames = {}

    def user_rows():
        inv = {v: k for k, v in named.items()}
        for u in user_ids:
            name = inv.get(u, f"user{u:05d}")
            usernames[u] = name
            yield (
                "!",
                None,
                False,
                name,
                "Bench",
                name,
                f"{name}@bench.example",
                False,
                u not in inactive,
                now - 400 * day,
            )

    user_cols = [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    step(
        "users",
        copy_rows(
            User, user_cols, ((u, *row) for u, row in zip(user_ids, user_rows(), strict=True))
        ),
    )
    reset_sequence(User)

    # teams (each with its group) and platforms
    gid0 = next_id(Group)
    tid0 = next_id(Team)
    team_ids = list(range(tid0, tid0 + scale.teams))
    team_group = {t: gid0 + i for i, t in enumerate(team_ids)}
    team_slug = {t: f"team-{i:03d}" for i, t in enumerate(team_ids)}
    copy_rows(Group, ["id", "name"], ((team_group[t], f"team:{team_slug[t]}") for t in team_ids))
    reset_sequence(Group)
    team_rows = []
    for i, t in enumerate(team_ids):
        values = {
            "id": t,
            "created_at": now - 800 * day,
            "updated_at": now - 800 * day,
            "name": f"Team {i:03d} {WORDS[i % len(WORDS)]}",
            "slug": team_slug[t],
            "description": "",
            "group_id": team_group[t],
        }
        team_rows.append(values)
        history.add(Team, values, values["created_at"], "+", named["bench-admin"], "bench")
    team_cols = ["id", "created_at", "updated_at", "name", "slug", "description", "group_id"]
    step("teams", copy_rows(Team, team_cols, (tuple(v[c] for c in team_cols) for v in team_rows)))
    reset_sequence(Team)

    pid0 = next_id(Platform)
    platform_ids = list(range(pid0, pid0 + scale.platforms))
    platform_cols = [
        "id",
        "created_at",
        "updated_at",
        "name",
        "slug",
        "kind",
        "owning_team_id",
        "description",
    ]
    platform_rows = []
    for i, p in enumerate(platform_ids):
        values = {
            "id": p,
            "created_at": now - 800 * day,
            "updated_at": now - 800 * day,
            "name": f"Platform {i:02d}",
            "slug": f"platform-{i:02d}",
            "kind": PLATFORM_KINDS[i % len(PLATFORM_KINDS)],
            "owning_team_id": team_ids[i % len(team_ids)],
            "description": "",
        }
        platform_rows.append(values)
        history.add(Platform, values, values["created_at"], "+", named["bench-admin"], "bench")
    step(
        "platforms",
        copy_rows(
            Platform, platform_cols, (tuple(v[c] for c in platform_cols) for v in platform_rows)
        ),
    )
    reset_sequence(Platform)

    # memberships: personas, then every person in one or two teams; most are engineers
    members: dict[int, list[int]] = {t: [] for t in team_ids}

    def membership_rows():
        yield (named["bench-admin"], role_groups[ADMINS].pk)
        yield (named["bench-engineer"], role_groups[ENGINEERS].pk)
        yield (named["bench-owner"], role_groups[ENGINEERS].pk)
        for t in team_ids[1:4]:  # not team 0: it is informed globally (sees everything)
            members[t].append(named["bench-engineer"])
            yield (named["bench-engineer"], team_group[t])
        for t in team_ids[4:7]:
            members[t].append(named["bench-owner"])
            yield (named["bench-owner"], team_group[t])
        for u in user_ids[len(BENCH_USERS) :]:
            r = rng.random()
            if r < 0.0025:  # a handful of admins (gap escalations without a global A)
                yield (u, role_groups[ADMINS].pk)
            elif r < 0.01:
                yield (u, role_groups[AUDITORS].pk)
            else:
                yield (u, role_groups[ENGINEERS].pk)
            for t in rng.sample(team_ids, 2 if rng.random() < 0.3 else 1):
                members[t].append(u)
                yield (u, team_group[t])

    step("memberships", copy_rows(User.groups.through, ["user_id", "group_id"], membership_rows()))

    # identities
    policies = {
        (p.credential_kind, p.risk_tier): p.max_age_days for p in RotationPolicy.objects.all()
    }
    iid0 = next_id(Identity)
    identity_ids = list(range(iid0, iid0 + scale.identities))
    ident = {}  # id -> (team, platform, tier, status)
    id_cols = [
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
    events = []

    def identity_rows():
        for n, i in enumerate(identity_ids):
            team = rng.choice(team_ids)
            platform = rng.choice(platform_ids)
            tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
            r = rng.random()
            status = (
                "active"
                if r < 0.85
                else "suspended"
                if r < 0.90
                else "pending"
                if r < 0.95
                else "decommissioned"
                if r < 0.99
                else "rejected"
            )
            created = ago(30, 900)
            ends_on = None
            if rng.random() < 0.08:
                ends_on = (now + rng.uniform(-60, 200) * day).date()
            r = rng.random()
            last_used = ago(0, 30) if r < 0.90 else ago(100, 400) if r < 0.97 else None
            word = WORDS[n % len(WORDS)]
            name = f"{word}-{IDENTITY_KINDS[n % 6].replace('_', '-')}-{n:06d}"
            by = rng.choice(active_people)
            values = {
                "id": i,
                "created_at": created,
                "updated_at": created,
                "name": name,
                "kind": IDENTITY_KINDS[n % 6],
                "external_id": f"ext://{platform}/{name}",
                "platform_id": platform,
                "team_id": team,
                "environment": rng.choice(ENVIRONMENTS),
                "purpose": f"{word.title()} automation for {team_slug[team]}: reads and writes "
                f"{WORDS[(n * 7) % len(WORDS)]} data on schedule.",
                "risk_tier": tier,
                "entitlements": _j([f"{word}:read", f"{WORDS[(n * 3) % len(WORDS)]}:write"]),
                "status": status,
                "ends_on": ends_on,
                "last_used_at": last_used,
                "created_by_id": by,
            }
            ident[i] = (team, platform, tier, status)
            history.add(Identity, values, created, "+", by, "registered via import by bench")
            events.append(
                (i, "onboarded", created, by, "Registered via bench as active", "", None, "{}")
            )
            yield tuple(values[c] for c in id_cols)

    step("identities", copy_rows(Identity, id_cols, identity_rows()))
    reset_sequence(Identity)
    ev_cols = [
        "identity_id",
        "kind",
        "occurred_at",
        "actor_id",
        "summary",
        "related_type",
        "related_id",
        "details",
    ]
    step("lifecycle events", copy_rows(LifecycleEvent, ev_cols, events))
    events.clear()

    # credentials: ~5% of active ones due or overdue by age, ~1% expired while beat was down
    cid0 = next_id(Credential)
    cred_cols = [
        "id",
        "created_at",
        "updated_at",
        "identity_id",
        "kind",
        "label",
        "key_id",
        "storage_location",
        "fingerprint",
        "last_chars",
        "status",
        "issued_at",
        "expires_at",
        "rotated_at",
        "revoked_at",
        "issued_by_id",
        "revoked_by_id",
        "replaces_id",
    ]
    creds_of: dict[int, list[int]] = {}

    def credential_rows():
        cid = cid0
        for i in identity_ids:
            _team, _platform, tier, istatus = ident[i]
            for k in range(scale.credentials_per_identity):
                kind = CRED_KINDS[(i + k) % len(CRED_KINDS)]
                max_age = policies.get((kind, tier), 365)
                r = rng.random()
                status = (
                    "active"
                    if r < 0.80
                    else "rotated"
                    if r < 0.92
                    else "revoked"
                    if r < 0.97
                    else "expired"
                )
                if istatus in ("decommissioned", "rejected") and status == "active":
                    status = "revoked"
                if status == "active":
                    if rng.random() < 0.02:  # due soon or overdue by age
                        issued = ago(max_age - 25, max_age + 20)
                    else:
                        issued = ago(0, max_age * 0.8)
                    expires = None
                    if rng.random() < 0.5:
                        expires = issued + dt.timedelta(days=max_age + rng.uniform(5, 60))
                    if rng.random() < 0.01:  # expired while beat was down
                        expires = ago(0.1, 5)
                        issued = min(issued, expires - dt.timedelta(days=10))
                else:
                    issued = ago(max_age, max_age + 400)
                    expires = issued + dt.timedelta(days=max_age)
                ended = issued + dt.timedelta(days=max_age * 0.9)
                by = rng.choice(active_people)
                values = {
                    "id": cid,
                    "created_at": issued,
                    "updated_at": issued,
                    "identity_id": i,
                    "kind": kind,
                    "label": f"{kind.replace('_', ' ')} #{k + 1}",
                    "key_id": f"KEY{cid:09d}",
                    "storage_location": f"vault://kv/{i}/{k}",
                    "fingerprint": f"SHA256:{rng.getrandbits(128):032x}",
                    "last_chars": f"{cid % 10000:04d}",
                    "status": status,
                    "issued_at": issued,
                    "expires_at": expires,
                    "rotated_at": ended if status == "rotated" else None,
                    "revoked_at": ended if status == "revoked" else None,
                    "issued_by_id": by,
                    "revoked_by_id": by if status == "revoked" else None,
                    "replaces_id": None,
                }
                history.add(
                    Credential, values, issued, "+", by, f"issued, recorded by {usernames[by]}"
                )
                if status != "active":
                    history.add(
                        Credential, {**values}, ended, "~", by, f"{status} by {usernames[by]}"
                    )
                if status == "active":
                    creds_of.setdefault(i, []).append(cid)
                cid += 1
                yield tuple(values[c] for c in cred_cols)

    step("credentials", copy_rows(Credential, cred_cols, credential_rows()))
    reset_sequence(Credential)
    step("history (so far)", history.flush())

    # RACI at every scope
    domains = {d.key: d.pk for d in ControlDomain.objects.all()}
    aid = next_id(Assignment)
    as_cols = [
        "id",
        "created_at",
        "updated_at",
        "domain_id",
        "scope_kind",
        "platform_id",
        "team_id",
        "identity_id",
        "role",
        "assignee_user_id",
        "assignee_team_id",
        "created_by_id",
    ]
    assignments = []

    def assign(
        domain, kind, role, *, platform=None, team=None, identity=None, user=None, ateam=None
    ):
        nonlocal aid
        values = dict(
            zip(
                as_cols,
                (
                    aid,
                    now - 300 * day,
                    now - 300 * day,
                    domains[domain],
                    kind,
                    platform,
                    team,
                    identity,
                    role,
                    user,
                    ateam,
                    named["bench-admin"],
                ),
                strict=True,
            )
        )
        assignments.append(values)
        history.add(Assignment, values, values["created_at"], "+", named["bench-admin"], "bench")
        aid += 1

    people = active_people
    for key in domains:
        if key != "consumption":  # no global A for consumption: platform A or a gap
            assign(
                key,
                "global",
                "A",
                user=named["bench-admin"] if key == "exceptions" else rng.choice(people),
            )
        assign(key, "global", "I", ateam=team_ids[0])
    for n, p in enumerate(platform_ids):
        if n % 10 != 0:
            assign("consumption", "platform", "A", platform=p, user=rng.choice(people))
        assign("runtime_policy", "platform", "A", platform=p, user=rng.choice(people))
        assign("runtime_policy", "platform", "C", platform=p, ateam=rng.choice(team_ids))
    inactive_list = sorted(inactive) or [people[0]]
    for n, t in enumerate(team_ids):
        owner = named["bench-owner"] if n < 8 else rng.choice(members[t] or people)
        if n % 20 == 7:  # a deactivated A: gaps on the whole team
            owner = rng.choice(inactive_list)
        assign("identity", "team", "A", team=t, user=owner)
        assign("engineering", "team", "A", team=t, user=rng.choice(members[t] or people))
        if n % 10 == 1:  # a whole team as R: every member is reminded
            assign("identity", "team", "R", team=t, ateam=t)
        else:
            assign("identity", "team", "R", team=t, user=rng.choice(members[t] or people))
        if n % 10 == 2:
            assign("engineering", "team", "C", team=t, ateam=t)
    for i in rng.sample(identity_ids, max(1, len(identity_ids) // 100)):
        assign("identity", "identity", "A", identity=i, user=rng.choice(people))
        assign("exceptions", "identity", "R", identity=i, user=rng.choice(people))
    step(
        "raci assignments",
        copy_rows(Assignment, as_cols, (tuple(v[c] for c in as_cols) for v in assignments)),
    )
    reset_sequence(Assignment)

    # requests, evaluations, decisions, grants, grant credentials
    pol = {p.kind: p for p in ApprovalPolicy.objects.select_related("approver_domain")}
    rid0 = next_id(Request)
    req_cols = [
        "id",
        "created_at",
        "updated_at",
        "kind",
        "identity_id",
        "requester_id",
        "status",
        "justification",
        "excepted_policy",
        "scope",
        "compensating_controls",
        "access_requested",
        "incident_reference",
        "scopes",
        "requested_start",
        "requested_end",
        "approvals_required",
        "renews_id",
        "expires_at",
        "decided_at",
    ]
    ev_cols2 = [
        "request_id",
        "policy_id",
        "policy_version",
        "policy_snapshot",
        "inputs",
        "outcome",
        "reasons",
        "evaluated_at",
    ]
    dec_cols = [
        "request_id",
        "decider_id",
        "outcome",
        "comment",
        "entitled_as",
        "granted_start",
        "granted_end",
        "decided_at",
    ]
    grant_cols = [
        "id",
        "created_at",
        "updated_at",
        "request_id",
        "identity_id",
        "kind",
        "status",
        "starts_at",
        "expires_at",
        "ended_at",
        "ended_by_id",
        "end_reason",
        "review_due_at",
        "reviewed_at",
        "reviewed_by_id",
        "review_notes",
    ]
    governed = [i for i in identity_ids if ident[i][3] in ("active", "suspended", "pending")]
    reqs, evals, decisions, grants, links = [], [], [], [], []
    gid = next_id(Grant)
    for n in range(scale.requests):
        rid = rid0 + n
        i = rng.choice(governed)
        r = rng.random()
        kind = "onboarding" if r < 0.6 else "exception" if r < 0.9 else "emergency"
        policy = pol[kind]
        r = rng.random()
        status = (
            "approved"
            if r < 0.70
            else "rejected"
            if r < 0.78
            else "pending"
            if r < 0.90
            else "expired"
            if r < 0.95
            else "cancelled"
        )
        if kind == "emergency" and status == "pending":
            status = "approved"
        created = ago(0, 12) if status == "pending" else ago(1, 700)
        requester = rng.choice(members[ident[i][0]] or people)
        start = created
        end = start + dt.timedelta(hours=policy.default_duration_hours)
        expires = created + dt.timedelta(hours=policy.pending_expiry_hours)
        decided = (
            created + dt.timedelta(hours=rng.uniform(0.1, 48))
            if status in ("approved", "rejected")
            else None
        )
        values = {
            "id": rid,
            "created_at": created,
            "updated_at": decided or created,
            "kind": kind,
            "identity_id": i,
            "requester_id": requester,
            "status": status,
            "justification": f"Needed for {WORDS[n % len(WORDS)]} work, ticket OPS-{n}",
            "excepted_policy": "mfa-required" if kind == "exception" else "",
            "scope": "",
            "compensating_controls": "IP allow-list" if kind == "exception" else "",
            "access_requested": "prod db read" if kind == "emergency" else "",
            "incident_reference": f"INC-{n}" if kind == "emergency" else "",
            # every other exception covers the runtime scope figure 7 asks for under a grant
            "scopes": _j([GATED_SCOPE] if kind == "exception" and n % 2 == 0 else []),
            "requested_start": start,
            "requested_end": end,
            "approvals_required": 1,
            "renews_id": None,
            "expires_at": expires,
            "decided_at": decided,
        }
        reqs.append(tuple(values[c] for c in req_cols))
        history.add(
            Request, values, created, "+", requester, f"submitted by {usernames[requester]}"
        )
        if status != "pending":
            history.add(Request, values, decided or expires, "~", requester, f"{status}")
        owner_label = usernames[rng.choice(people)]
        evals.append(
            (
                rid,
                policy.pk,
                policy.version,
                _j({"kind": kind}),
                _j(
                    {
                        "effective_owners": {
                            "accountable": owner_label,
                            "accountable_source": f"team {team_slug[ident[i][0]]}",
                            "domain": policy.approver_domain.key,
                        }
                    }
                ),
                "active_at_once" if kind == "emergency" else "needs_approval",
                "[]",
                created,
            )
        )
        if status in ("approved", "rejected") and kind != "emergency":
            decider = rng.choice(people)
            if decider == requester:
                decider = named["bench-owner"]
            dvalues = {
                "request_id": rid,
                "decider_id": decider,
                "outcome": "approve" if status == "approved" else "reject",
                "comment": "ok" if status == "approved" else "not justified",
                "entitled_as": f"A of {policy.approver_domain.key} (team)",
                "granted_start": None,
                "granted_end": None,
                "decided_at": decided,
            }
            decisions.append(tuple(dvalues[c] for c in dec_cols))
        if status == "approved":
            g_start = decided if kind != "emergency" else created
            g_end = g_start + dt.timedelta(hours=policy.default_duration_hours)
            gstatus, ended_at, ended_by, reason = "active", None, None, ""
            if g_end <= now:
                if rng.random() < 0.03:  # outlived its end: the expiry sweep ends it
                    pass
                else:
                    gstatus, ended_at, ended_by, reason = (
                        "expired",
                        g_end,
                        system.pk,
                        "reached its end",
                    )
            elif rng.random() < 0.05:
                gstatus, ended_at, ended_by, reason = (
                    "revoked",
                    ago(0, 1),
                    named["bench-admin"],
                    "no longer needed",
                )
            review_due = reviewed = reviewer = None
            if kind == "emergency":
                review_due = g_start + dt.timedelta(hours=24)
                if rng.random() < 0.95:
                    reviewed, reviewer = review_due - dt.timedelta(hours=2), named["bench-admin"]
            gvalues = {
                "id": gid,
                "created_at": g_start,
                "updated_at": ended_at or g_start,
                "request_id": rid,
                "identity_id": i,
                "kind": kind,
                "status": gstatus,
                "starts_at": g_start,
                "expires_at": g_end,
                "ended_at": ended_at,
                "ended_by_id": ended_by,
                "end_reason": reason,
                "review_due_at": review_due,
                "reviewed_at": reviewed,
                "reviewed_by_id": reviewer,
                "review_notes": "fine" if reviewed else "",
            }
            grants.append(tuple(gvalues[c] for c in grant_cols))
            history.add(Grant, gvalues, g_start, "+", requester, "granted")
            if ended_at:
                history.add(Grant, gvalues, ended_at, "~", ended_by, reason)
            if creds_of.get(i) and rng.random() < 0.3:
                links.append((gid, creds_of[i].pop(), g_start))
            gid += 1
    step("requests", copy_rows(Request, req_cols, reqs))
    reset_sequence(Request)
    step("policy evaluations", copy_rows(PolicyEvaluation, ev_cols2, evals))
    step("decisions", copy_rows(Decision, dec_cols, decisions))
    step("grants", copy_rows(Grant, grant_cols, grants))
    reset_sequence(Grant)
    step(
        "grant credentials",
        copy_rows(GrantCredential, ["grant_id", "credential_id", "linked_at"], links),
    )
    # decisions' history from the rows as stored (their ids came from the table)
    with connection.cursor() as c:
        c.execute(f"SELECT {', '.join(dec_cols)}, id FROM approvals_decision")  # noqa: S608
        for row in c.fetchall():
            values = dict(zip([*dec_cols, "id"], row, strict=True))
            history.add(
                Decision, values, values["decided_at"], "+", values["decider_id"], "decided"
            )
    reqs, evals, decisions, grants, links = [], [], [], [], []

    # top up to the history target with identity changes (edits, status changes, moves)
    missing = scale.history - counts.get("history (so far)", 0) - history.count()
    cols = history_columns(Identity)
    rows = history.rows.setdefault(Identity, [])
    template = dict.fromkeys(cols)
    template.update(
        kind="workload",
        environment="production",
        purpose="changed",
        entitlements="[]",
        created_at=now - 900 * day,
        updated_at=now - 900 * day,
        history_type="~",
        history_change_reason="updated by bench",
    )
    slots = {c: n for n, c in enumerate(cols)}
    base = [template[c] for c in cols]
    for _ in range(max(0, missing)):
        i = rng.choice(identity_ids)
        team, platform, tier, status = ident[i]
        row = base.copy()
        for col, value in (
            ("id", i), ("team_id", team), ("platform_id", platform), ("risk_tier", tier),
            ("status", status), ("name", f"identity-{i}"),
            ("external_id", f"ext://{platform}/{i}"), ("history_date", ago(1, 800)),
            ("history_user_id", rng.choice(people)),
        ):  # fmt: skip
            row[slots[col]] = value
        rows.append(tuple(row))
    step("history", history.flush())

    step("object permissions", sum(sum(v.values()) for v in permissions_sync().values()))
    step("effective owners", refresh_effective_owners())  # COPY fires no signal: set-based
    for name, n in generate_runtime(rng=rng, now=now, tokens=scale.identities).items():
        step(name, n)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["history_rows"] = counts.pop("history (so far)", 0) + counts.pop("history", 0)
    log(f"  generated in {counts['seconds']}s")
    return counts


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
