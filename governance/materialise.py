"""Maintains `EffectiveOwner`, the RACI matrix resolved as data, set-based.

One `INSERT … SELECT` recomputes the rows of any set of identities (one identity, a team, or
all of them) from the matrix, after one `DELETE` of their old rows: the precedence identity >
team > platform > global is the window order below — the same rule as
`resolution.resolve`, which `check` compares it with.

Who calls `refresh` (inside the writing transaction):
- an assignment saved or deleted (`apps.py`, model signals: services, admin and fixtures
  alike): the identities it applies to, in its domain — except an A replaced by the service,
  whose rows pass to its successor (`reassign`);
- an identity created, or moved team or platform (`apps.py`: its `post_save`, and
  `identity_scope_changed` for a bulk registration, which sends no `post_save`);
- `rebuild_effective_owners` and the bench generator: everything.
A user's deactivation moves nothing here: queries join `auth_user.is_active`.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from core.bulk import id_list
from identities.models import Identity

from .choices import Role, Scope
from .models import Assignment, ControlDomain, EffectiveOwner
from .resolution import domains_for, identity_rows, resolve

_BRANCH = """
    SELECT i.id AS identity_id, a.domain_id, a.role, a.id AS assignment_id,
           a.assignee_user_id, a.assignee_team_id, {rank} AS scope_rank
      FROM ({ids}) i JOIN governance_assignment a ON a.scope_kind = %s AND {on}
     WHERE a.role IN (%s, %s) {domain}"""
_ON = {
    Scope.IDENTITY: "a.identity_id = i.id",
    Scope.TEAM: "a.team_id = i.team_id",
    Scope.PLATFORM: "a.platform_id = i.platform_id",
    Scope.GLOBAL: "1 = 1",
}
_ORDER = (Scope.IDENTITY, Scope.TEAM, Scope.PLATFORM, Scope.GLOBAL)  # SCOPE_PRECEDENCE
# Per (identity, domain, role): A keeps its whole chain; R only the most specific tier.
_INSERT = """
INSERT INTO governance_effectiveowner
       (identity_id, domain_id, role, precedence, assignment_id, user_id, team_id)
SELECT identity_id, domain_id, role, precedence, assignment_id, assignee_user_id,
       assignee_team_id
  FROM (SELECT c.*,
               ROW_NUMBER() OVER (PARTITION BY identity_id, domain_id, role
                                  ORDER BY scope_rank, assignment_id) - 1 AS precedence,
               RANK() OVER (PARTITION BY identity_id, domain_id, role
                            ORDER BY scope_rank) AS tier
          FROM ({union}) c) x
 WHERE role = %s OR tier = 1
"""


def _identities(identity_ids) -> QuerySet[Identity]:
    """All identities (None), or those of `identity_ids` (a list or a subquery of ids)."""
    qs = Identity.objects.all()
    if identity_ids is not None:
        if not isinstance(identity_ids, QuerySet):
            identity_ids = id_list(identity_ids)
        qs = qs.filter(pk__in=identity_ids)
    return qs.order_by()


def refresh(*, identity_ids=None, domain_id: int | None = None, fresh: bool = False) -> int:
    """Recompute the rows of `identity_ids` (None: every identity), in one domain or all.
    Two statements whatever the number of identities (one for `fresh`, new identities);
    returns the rows written."""
    identities = _identities(identity_ids)
    if not fresh:
        stale = EffectiveOwner.objects.all()
        if identity_ids is not None:
            stale = stale.filter(identity_id__in=identities.values("pk"))
        if domain_id is not None:
            stale = stale.filter(domain_id=domain_id)
        stale.delete()
    ids_sql, ids_params = identities.values_list(
        "id", "team_id", "platform_id"
    ).query.sql_with_params()
    branches, params = [], []
    for rank, kind in enumerate(_ORDER):
        branches.append(
            _BRANCH.format(
                rank=rank,
                ids=ids_sql,
                on=_ON[kind],
                domain="AND a.domain_id = %s" if domain_id is not None else "",
            )
        )
        params += [*ids_params, kind, Role.ACCOUNTABLE, Role.RESPONSIBLE]
        if domain_id is not None:
            params.append(domain_id)
    sql = _INSERT.format(union="\n UNION ALL ".join(branches))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Role.ACCOUNTABLE])
        return cursor.rowcount


def refresh_for_assignment(assignment: Assignment, *, created: bool) -> None:
    """An assignment was saved or deleted: recompute the identities it applies to now, and
    those whose rows still name it (its old scope, or its removal)."""
    if assignment.role not in (Role.ACCOUNTABLE, Role.RESPONSIBLE) and created:
        return
    affected = affected_identity_ids(assignment)
    if created:
        refresh(identity_ids=affected, domain_id=assignment.domain_id)
        return
    # An edit may have moved its scope, domain or role: both sets of identities, in the
    # domain its rows are in and its domain now — a row derives only from assignments of its
    # own domain, so no other domain moves (a global A replaced at 100,000 identities:
    # every domain recomputed took 8 s of the request).
    naming_it = EffectiveOwner.objects.filter(assignment_id=assignment.pk)
    rows = list(naming_it.values_list("identity_id", "domain_id"))
    ids, domains = {i for i, _d in rows}, {d for _i, d in rows}
    if assignment.pk is not None and Assignment.objects.filter(pk=assignment.pk).exists():
        ids |= set(affected.values_list("pk", flat=True))
        domains.add(assignment.domain_id)
    for domain_id in sorted(domains) if ids else ():
        refresh(identity_ids=sorted(ids), domain_id=domain_id)


def reassign(replaced_id: int, successor: Assignment) -> int:
    """A replaced A's rows, handed to its successor (`services.assignment_set(replace=True)`):
    same domain, scope and role, so the same identities at the same place in each chain — a
    chain orders its A's by scope, and a domain has one A per scope — only the assignee
    differs. One UPDATE instead of recomputing the domain twice, for the removal and for the
    new A (6.5 of the 8.9 s of replacing a global A at 100,000 identities)."""
    return EffectiveOwner.objects.filter(assignment_id=replaced_id).update(
        assignment_id=successor.pk,
        user_id=successor.assignee_user_id,
        team_id=successor.assignee_team_id,
    )


def affected_identity_ids(assignment: Assignment) -> QuerySet:
    """The identities an assignment can apply to, as a subquery of ids."""
    qs = Identity.objects.all()
    if assignment.scope_kind == Scope.PLATFORM:
        qs = qs.filter(platform_id=assignment.platform_id)
    elif assignment.scope_kind == Scope.TEAM:
        qs = qs.filter(team_id=assignment.team_id)
    elif assignment.scope_kind == Scope.IDENTITY:
        qs = qs.filter(pk=assignment.identity_id)
    return qs.values("pk")


# --- the check ----------------------------------------------------------------------------
def _table_view(identity_ids, domains: list[ControlDomain]) -> dict[tuple, tuple]:
    """{(identity id, domain key): (A assignment id, next-up A assignment id, R ids)} from
    the table, the next-up A by the users' `is_active` now."""
    keys = {d.pk: d.key for d in domains}
    rows = EffectiveOwner.objects.filter(
        identity_id__in=_identities(identity_ids).values("pk"), domain_id__in=keys
    ).order_by("identity_id", "domain_id", "role", "precedence")
    view: dict[tuple, list] = {}
    for identity_id, domain_id, role, precedence, assignment_id, active in rows.values_list(
        "identity_id", "domain_id", "role", "precedence", "assignment_id", "user__is_active"
    ):
        entry = view.setdefault((identity_id, keys[domain_id]), [None, None, []])
        if role == Role.RESPONSIBLE:
            entry[2].append(assignment_id)
        elif precedence == 0:
            entry[0] = assignment_id
        elif active and entry[1] is None:
            entry[1] = assignment_id
    return {key: (a, up, tuple(sorted(r))) for key, (a, up, r) in view.items()}


def _orphans() -> list[int]:
    return list(
        EffectiveOwner.objects.exclude(
            assignment_id__in=Assignment.objects.values("pk"),
            identity_id__in=Identity.objects.values("pk"),
        ).values_list("pk", flat=True)[:100]
    )


def _stale_assignees() -> list[int]:
    """Rows whose assignee, copied from their assignment (queries join on it), is no longer
    the assignment's."""
    rows = EffectiveOwner.objects.alias(
        copied_user=Coalesce("user_id", Value(0)),
        copied_team=Coalesce("team_id", Value(0)),
        assignee_user=Coalesce("assignment__assignee_user_id", Value(0)),
        assignee_team=Coalesce("assignment__assignee_team_id", Value(0)),
    )
    stale = rows.exclude(copied_user=F("assignee_user"), copied_team=F("assignee_team"))
    return list(stale.values_list("pk", flat=True)[:100])


def _resolver_view(identity_ids, domains: list[ControlDomain]) -> dict[tuple, tuple]:
    out = {}
    rows = identity_rows(_identities(identity_ids).values("pk"))
    for identity_id, per_domain in resolve(rows, domains).items():
        for key, raci in per_domain.items():
            value = (
                getattr(raci.accountable_source, "assignment_id", None),
                getattr(raci.next_up_source, "assignment_id", None),
                tuple(sorted(explain.assignment_id for _l, _w, explain in raci.responsible)),
            )
            if value != (None, None, ()):
                out[(identity_id, key)] = value
    return out


def differences(*, identity_ids=None, domain_keys: Iterable[str] | None = None) -> list[str]:
    """Where the table and the Python resolver disagree, one line each (empty: equal)."""
    domains = domains_for(domain_keys)
    table = _table_view(identity_ids, domains)
    resolver = _resolver_view(identity_ids, domains)
    out = [f"row {pk}: names a removed assignment or identity" for pk in _orphans()]
    out += [f"row {pk}: its assignee is not its assignment's" for pk in _stale_assignees()]
    for key in sorted(set(table) | set(resolver)):
        if table.get(key) != resolver.get(key):
            out.append(
                f"identity {key[0]} · {key[1]}: table (A, next-up A, R) = {table.get(key)}, "
                f"resolver = {resolver.get(key)}"
            )
    return out
