"""The RACI matrix as rows for CSV, now or as of a past moment (from history)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from identities.models import Identity, Platform, Team

from .models import Assignment, ControlDomain

HEADER = [
    "domain",
    "domain_name",
    "scope_kind",
    "scope",
    "role",
    "assignee_kind",
    "assignee",
    "assignee_active",
    "assignment_id",
    "since",
]
FIELDS = (
    "id",
    "domain_id",
    "scope_kind",
    "platform_id",
    "team_id",
    "identity_id",
    "role",
    "assignee_user_id",
    "assignee_team_id",
    "created_at",
)


def _names(model, ids, attr="name") -> dict:
    ids = {i for i in ids if i is not None}
    return dict(model.objects.filter(pk__in=ids).values_list("pk", attr)) if ids else {}


def matrix_rows(*, as_of: dt.datetime | None = None, identity_ids=None) -> Iterator[list]:
    """Header then one row per assignment; a constant number of queries. `identity_ids`
    (a subquery) limits identity-level rows to the identities the reader may see."""
    records = _records(as_of, identity_ids)
    names = _Names.load(records)
    yield HEADER
    records.sort(
        key=lambda r: (
            getattr(names.domains.get(r["domain_id"]), "position", 999),
            r["domain_id"],
            r["scope_kind"],
            r["role"],
            r["id"],
        )
    )
    for r in records:
        yield names.row(r)


def _records(as_of, identity_ids) -> list[dict]:
    if as_of is None:
        records = list(Assignment.objects.values(*FIELDS))
    else:
        records = list(
            Assignment.history.filter(history_date__lte=as_of)
            .latest_of_each()
            .exclude(history_type="-")
            .values(*FIELDS)
        )
    if identity_ids is not None:
        visible = set(identity_ids.values_list("pk", flat=True))
        records = [r for r in records if r["identity_id"] is None or r["identity_id"] in visible]
    return records


@dataclass
class _Names:
    """What the rows name, loaded once for all the records."""

    domains: dict
    platforms: dict
    teams: dict
    identities: dict
    users: dict

    @classmethod
    def load(cls, records: list[dict]) -> "_Names":
        team_ids = [r["team_id"] for r in records] + [r["assignee_team_id"] for r in records]
        user_ids = {r["assignee_user_id"] for r in records if r["assignee_user_id"]}
        return cls(
            domains={d.pk: d for d in ControlDomain.objects.all()},
            platforms=_names(Platform, (r["platform_id"] for r in records)),
            teams=_names(Team, team_ids),
            identities=_names(Identity, (r["identity_id"] for r in records)),
            users={u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)},
        )

    def row(self, r: dict) -> list:
        domain = self.domains.get(r["domain_id"])
        scope = {
            "global": "Global",
            "platform": self.platforms.get(r["platform_id"]),
            "team": self.teams.get(r["team_id"]),
            "identity": self.identities.get(r["identity_id"]),
        }.get(r["scope_kind"]) or f"#{r['platform_id'] or r['team_id'] or r['identity_id']}"
        if r["assignee_user_id"]:
            user = self.users.get(r["assignee_user_id"])
            kind = "person"
            assignee = user.get_username() if user else f"#{r['assignee_user_id']}"
            active = "yes" if user and user.is_active else "no"
        else:
            kind, active = "team", "yes"
            assignee = self.teams.get(r["assignee_team_id"], f"#{r['assignee_team_id']}")
        return [
            domain.key if domain else f"#{r['domain_id']}",
            domain.name if domain else "",
            r["scope_kind"],
            scope,
            r["role"],
            kind,
            assignee,
            active,
            r["id"],
            r["created_at"].isoformat(),
        ]
