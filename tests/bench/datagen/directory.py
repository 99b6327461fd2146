"""The organisation: users (named bench personas, then people), teams with their groups,
platforms, and team and role memberships."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from ..copying import copy_dicts, copy_rows, next_id, reset_sequence
from .context import BENCH_USERS, DAY, PLATFORM_KINDS, WORDS, Generation

USER_COLUMNS = [
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
TEAM_COLUMNS = ["id", "created_at", "updated_at", "name", "slug", "description", "group_id"]
PLATFORM_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "name",
    "slug",
    "kind",
    "owning_team_id",
    "description",
]


@dataclass
class Directory:
    named: dict[str, int]  # bench persona -> user id
    user_ids: list[int]
    inactive: set[int]
    people: list[int]  # active users other than the personas
    usernames: dict[int, str] = field(default_factory=dict)
    team_ids: list[int] = field(default_factory=list)
    team_group: dict[int, int] = field(default_factory=dict)
    team_slug: dict[int, str] = field(default_factory=dict)
    platform_ids: list[int] = field(default_factory=list)
    members: dict[int, list[int]] = field(default_factory=dict)

    @property
    def admin(self) -> int:
        return self.named["bench-admin"]


def generate_directory(gen: Generation, role_groups: dict[str, Group]) -> Directory:
    directory = generate_users(gen)
    generate_teams(gen, directory)
    generate_platforms(gen, directory)
    generate_memberships(gen, directory, role_groups)
    return directory


def generate_users(gen: Generation) -> Directory:
    """A few named bench personas, then people; 3% deactivated (gaps when they are A)."""
    User = get_user_model()
    uid0 = next_id(User)
    user_ids = list(range(uid0, uid0 + gen.scale.users))
    named = dict(zip(BENCH_USERS, user_ids[: len(BENCH_USERS)], strict=True))
    inactive = {u for u in user_ids[len(BENCH_USERS) :] if gen.rng.random() < 0.03}
    people = [u for u in user_ids[len(BENCH_USERS) :] if u not in inactive]
    directory = Directory(named=named, user_ids=user_ids, inactive=inactive, people=people)

    def user_rows():
        inv = {v: k for k, v in named.items()}
        for u in user_ids:
            name = inv.get(u, f"user{u:05d}")
            directory.usernames[u] = name
            yield (
                u,
                "!",
                None,
                False,
                name,
                "Bench",
                name,
                f"{name}@bench.example",
                False,
                u not in inactive,
                gen.now - 400 * DAY,
            )

    gen.step("users", copy_rows(User, USER_COLUMNS, user_rows()))
    reset_sequence(User)
    return directory


def generate_teams(gen: Generation, directory: Directory) -> None:
    """Teams, each with its group."""
    from identities.models import Team

    gid0 = next_id(Group)
    tid0 = next_id(Team)
    team_ids = directory.team_ids = list(range(tid0, tid0 + gen.scale.teams))
    directory.team_group = {t: gid0 + i for i, t in enumerate(team_ids)}
    directory.team_slug = {t: f"team-{i:03d}" for i, t in enumerate(team_ids)}
    groups = ((directory.team_group[t], f"team:{directory.team_slug[t]}") for t in team_ids)
    copy_rows(Group, ["id", "name"], groups)
    reset_sequence(Group)
    team_rows = []
    for i, t in enumerate(team_ids):
        values = {
            "id": t,
            "created_at": gen.now - 800 * DAY,
            "updated_at": gen.now - 800 * DAY,
            "name": f"Team {i:03d} {WORDS[i % len(WORDS)]}",
            "slug": directory.team_slug[t],
            "description": "",
            "group_id": directory.team_group[t],
        }
        team_rows.append(values)
        gen.history.add(Team, values, values["created_at"], "+", directory.admin, "bench")
    gen.step("teams", copy_dicts(Team, TEAM_COLUMNS, team_rows))
    reset_sequence(Team)


def generate_platforms(gen: Generation, directory: Directory) -> None:
    from identities.models import Platform

    pid0 = next_id(Platform)
    directory.platform_ids = list(range(pid0, pid0 + gen.scale.platforms))
    platform_rows = []
    for i, p in enumerate(directory.platform_ids):
        values = {
            "id": p,
            "created_at": gen.now - 800 * DAY,
            "updated_at": gen.now - 800 * DAY,
            "name": f"Platform {i:02d}",
            "slug": f"platform-{i:02d}",
            "kind": PLATFORM_KINDS[i % len(PLATFORM_KINDS)],
            "owning_team_id": directory.team_ids[i % len(directory.team_ids)],
            "description": "",
        }
        platform_rows.append(values)
        gen.history.add(Platform, values, values["created_at"], "+", directory.admin, "bench")
    gen.step("platforms", copy_dicts(Platform, PLATFORM_COLUMNS, platform_rows))
    reset_sequence(Platform)


def generate_memberships(
    gen: Generation, directory: Directory, role_groups: dict[str, Group]
) -> None:
    """Personas, then every person in one or two teams; most are engineers."""
    from core.roles import ADMINS, AUDITORS, ENGINEERS

    d, rng = directory, gen.rng
    d.members = {t: [] for t in d.team_ids}

    def membership_rows():
        yield (d.named["bench-admin"], role_groups[ADMINS].pk)
        yield (d.named["bench-engineer"], role_groups[ENGINEERS].pk)
        yield (d.named["bench-owner"], role_groups[ENGINEERS].pk)
        for t in d.team_ids[1:4]:  # not team 0: it is informed globally (sees everything)
            d.members[t].append(d.named["bench-engineer"])
            yield (d.named["bench-engineer"], d.team_group[t])
        for t in d.team_ids[4:7]:
            d.members[t].append(d.named["bench-owner"])
            yield (d.named["bench-owner"], d.team_group[t])
        for u in d.user_ids[len(BENCH_USERS) :]:
            r = rng.random()
            if r < 0.0025:  # a handful of admins (gap escalations without a global A)
                yield (u, role_groups[ADMINS].pk)
            elif r < 0.01:
                yield (u, role_groups[AUDITORS].pk)
            else:
                yield (u, role_groups[ENGINEERS].pk)
            for t in rng.sample(d.team_ids, 2 if rng.random() < 0.3 else 1):
                d.members[t].append(u)
                yield (u, d.team_group[t])

    User = get_user_model()
    rows = membership_rows()
    gen.step("memberships", copy_rows(User.groups.through, ["user_id", "group_id"], rows))
