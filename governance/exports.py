"""The RACI matrix as rows for CSV, now or as of a past moment (from history)."""

import datetime as dt
from collections.abc import Iterator

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
    domains = {d.pk: d for d in ControlDomain.objects.all()}
    platforms = _names(Platform, (r["platform_id"] for r in records))
    teams = _names(Team, [r["team_id"] for r in records] + [r["assignee_team_id"] for r in records])
    identities = _names(Identity, (r["identity_id"] for r in records))
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(
            pk__in={r["assignee_user_id"] for r in records if r["assignee_user_id"]}
        )
    }
    yield HEADER
    records.sort(
        key=lambda r: (
            getattr(domains.get(r["domain_id"]), "position", 999),
            r["domain_id"],
            r["scope_kind"],
            r["role"],
            r["id"],
        )
    )
    for r in records:
        domain = domains.get(r["domain_id"])
        scope = {
            "global": "Global",
            "platform": platforms.get(r["platform_id"]),
            "team": teams.get(r["team_id"]),
            "identity": identities.get(r["identity_id"]),
        }.get(r["scope_kind"]) or f"#{r['platform_id'] or r['team_id'] or r['identity_id']}"
        if r["assignee_user_id"]:
            user = users.get(r["assignee_user_id"])
            kind = "person"
            assignee = user.get_username() if user else f"#{r['assignee_user_id']}"
            active = "yes" if user and user.is_active else "no"
        else:
            kind, active = "team", "yes"
            assignee = teams.get(r["assignee_team_id"], f"#{r['assignee_team_id']}")
        yield [
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
