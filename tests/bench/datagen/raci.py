"""RACI at every scope: global A and I per domain (none for consumption: platform A or a
gap), platform and team cells, a deactivated A on some teams, whole teams as R or C, and a
sample of identity-level overrides."""

from __future__ import annotations

from ..copying import copy_dicts, next_id, reset_sequence
from .context import DAY, Generation
from .directory import Directory

ASSIGNMENT_COLUMNS = [
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


class Assignments:
    """Collects assignment rows (and their history) with consecutive ids."""

    def __init__(self, gen: Generation, directory: Directory, domains: dict[str, int]):
        from governance.models import Assignment

        self.gen, self.directory, self.domains = gen, directory, domains
        self.next = next_id(Assignment)
        self.rows: list[dict] = []

    def add(
        self, domain, kind, role, *, platform=None, team=None, identity=None, user=None, ateam=None
    ):
        from governance.models import Assignment

        when, admin = self.gen.now - 300 * DAY, self.directory.admin
        values = {
            "id": self.next, "created_at": when, "updated_at": when,
            "domain_id": self.domains[domain], "scope_kind": kind, "platform_id": platform,
            "team_id": team, "identity_id": identity, "role": role,
            "assignee_user_id": user, "assignee_team_id": ateam, "created_by_id": admin,
        }  # fmt: skip
        self.rows.append(values)
        self.gen.history.add(Assignment, values, when, "+", admin, "bench")
        self.next += 1


def _global_and_platform(a: Assignments, d: Directory, rng) -> None:
    for key in a.domains:
        if key != "consumption":  # no global A for consumption: platform A or a gap
            user = d.admin if key == "exceptions" else rng.choice(d.people)
            a.add(key, "global", "A", user=user)
        a.add(key, "global", "I", ateam=d.team_ids[0])
    for n, p in enumerate(d.platform_ids):
        if n % 10 != 0:
            a.add("consumption", "platform", "A", platform=p, user=rng.choice(d.people))
        a.add("runtime_policy", "platform", "A", platform=p, user=rng.choice(d.people))
        a.add("runtime_policy", "platform", "C", platform=p, ateam=rng.choice(d.team_ids))


def _teams(a: Assignments, d: Directory, rng) -> None:
    inactive = sorted(d.inactive) or [d.people[0]]
    for n, t in enumerate(d.team_ids):
        in_team = d.members[t] or d.people
        owner = d.named["bench-owner"] if n < 8 else rng.choice(in_team)
        if n % 20 == 7:  # a deactivated A: gaps on the whole team
            owner = rng.choice(inactive)
        a.add("identity", "team", "A", team=t, user=owner)
        a.add("engineering", "team", "A", team=t, user=rng.choice(in_team))
        if n % 10 == 1:  # a whole team as R: every member is reminded
            a.add("identity", "team", "R", team=t, ateam=t)
        else:
            a.add("identity", "team", "R", team=t, user=rng.choice(in_team))
        if n % 10 == 2:
            a.add("engineering", "team", "C", team=t, ateam=t)


def generate_raci(gen: Generation, d: Directory, identity_ids: list[int]) -> None:
    from governance.models import Assignment, ControlDomain

    a = Assignments(gen, d, {c.key: c.pk for c in ControlDomain.objects.all()})
    _global_and_platform(a, d, gen.rng)
    _teams(a, d, gen.rng)
    for i in gen.rng.sample(identity_ids, max(1, len(identity_ids) // 100)):
        a.add("identity", "identity", "A", identity=i, user=gen.rng.choice(d.people))
        a.add("exceptions", "identity", "R", identity=i, user=gen.rng.choice(d.people))
    gen.step("raci assignments", copy_dicts(Assignment, ASSIGNMENT_COLUMNS, a.rows))
    reset_sequence(Assignment)
