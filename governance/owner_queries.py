"""SQL reads of the effective owners (`EffectiveOwner`): the precedence is already in the
rows, so "who owns", "who decides", "who is waiting" and "where is the gap" are joins.

Liveness is joined, never stored: the effective A is the chain's first row; the acting A is
the first row whose user is active (a leaver's next active A up); a gap is an identity and
domain whose first row is missing or names a deactivated user (`EffectiveRaci.is_gap`)."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from core.lookups import one_of

from .choices import GOVERNED_STATUSES, Role, Scope
from .models import Assignment, ControlDomain, EffectiveOwner

__all__ = [
    "accountable_owners",
    "acting_accountable",
    "decides",
    "deciding_rows",
    "gap_pairs",
    "gap_rows",
    "owner_rows",
    "owner_users",
]


def accountable_owners(*, domain_key: str) -> QuerySet[EffectiveOwner]:
    """The effective A of each identity in a domain (by the precedence identity > team >
    platform > global), active or not: one row per identity that has one."""
    return EffectiveOwner.objects.filter(
        domain__key=domain_key, role=Role.ACCOUNTABLE, precedence=0
    )


def acting_accountable(*, user=None) -> QuerySet[EffectiveOwner]:
    """Per (identity, domain), the A who decides now: the first active one in the chain —
    of everyone, or only `user`'s rows."""
    earlier_active = EffectiveOwner.objects.filter(
        identity_id=OuterRef("identity_id"),
        domain_id=OuterRef("domain_id"),
        role=Role.ACCOUNTABLE,
        precedence__lt=OuterRef("precedence"),
        user__is_active=True,
    )
    # The chain's first row has nothing before it: most rows are asked no further question.
    rows = EffectiveOwner.objects.filter(
        Q(precedence=0) | ~Exists(earlier_active), role=Role.ACCOUNTABLE
    )
    if user is None:
        return rows.filter(user__is_active=True)
    return rows.filter(user=user) if user.is_active else rows.none()


def deciding_rows(user) -> tuple[QuerySet[EffectiveOwner], QuerySet[EffectiveOwner]]:
    """`user`'s acting-A rows and effective-R rows (in person or through a team they belong
    to), every domain: what `decides` narrows to one domain. Built once when several
    conditions are (the ORM's build of the correlated subquery costs more than running it)."""
    # Memberships by the user's id, not `user.groups`: a related manager of an unsaved
    # instance (approvals' compiled query builds with a stand-in) finds no groups.
    groups = get_user_model().groups.through.objects.filter(user_id=user.pk).values("group_id")
    responsible = EffectiveOwner.objects.filter(
        Q(user=user) | Q(team__group__in=groups), role=Role.RESPONSIBLE
    )
    return acting_accountable(user=user), responsible


def decides(*, user, domain_id: int, with_responsible: bool, identity_ref: str, rows=None) -> Q:
    """A condition on rows whose `identity_ref` names an identity: `user` is its acting A in
    the domain — or, `with_responsible`, one of its effective R (in person or through a team
    they belong to). Uncorrelated subqueries: each is computed once and hashed. `rows`:
    `deciding_rows(user)`, when the caller builds several."""
    accountable, responsible = rows or deciding_rows(user)
    mine = accountable.filter(domain_id=domain_id).values("identity_id")
    condition = Q(**{f"{identity_ref}__in": mine})
    if with_responsible:
        theirs = responsible.filter(domain_id=domain_id).values("identity_id")
        condition |= Q(**{f"{identity_ref}__in": theirs})
    return condition


def owner_rows(*, identity_ids, domain_ids) -> QuerySet:
    """(identity id, domain id, role, precedence, user id, user active, team's group id,
    assignment id) of every A in the chains and every effective R, by identity, domain, role
    and precedence: what deciders and reviewers are made of. `identity_ids`: ids or a
    subquery."""
    return (
        EffectiveOwner.objects.filter(identity_id__in=identity_ids, domain_id__in=domain_ids)
        .order_by("identity_id", "domain_id", "role", "precedence")
        .values_list(
            "identity_id",
            "domain_id",
            "role",
            "precedence",
            "user_id",
            "user__is_active",
            "team__group_id",
            "assignment_id",
        )
    )


_OWNER_USERS = """
SELECT e.identity_id, e.role, u.id
  FROM governance_effectiveowner e
  JOIN governance_controldomain d ON d.id = e.domain_id
  LEFT JOIN identities_team t ON t.id = e.team_id
  LEFT JOIN auth_user_groups m ON m.group_id = t.group_id
  JOIN auth_user u ON u.id = COALESCE(e.user_id, m.user_id)
 WHERE d.key = %s AND u.is_active AND e.identity_id IN ({ids})
   AND (e.role = %s OR (e.role = %s AND e.precedence = 0))"""


def owner_users(*, identity_ids, domain_key: str) -> list[tuple[int, str, int]]:
    """(identity id, role, user id) of the active effective owners in a domain: the effective
    A (the chain's first row, when its user is active — a gap has none) and every effective R,
    a team expanded to its active members. `identity_ids`: ids or a subquery."""
    sql, params = owner_users_sql(identity_ids=identity_ids, domain_key=domain_key)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def owner_users_sql(*, identity_ids, domain_key: str) -> tuple[str, list]:
    """`owner_users` as (sql, params), to join: columns identity_id, role and id (the user)."""
    if isinstance(identity_ids, QuerySet):
        ids_sql, ids_params = identity_ids.query.sql_with_params()
    elif connection.vendor == "postgresql":
        ids_sql, ids_params = "SELECT unnest(%s::bigint[])", [list(identity_ids)]
    else:  # the embedded SQLite default: a placeholder per id
        ids_params = list(identity_ids)
        ids_sql = ", ".join(["%s"] * len(ids_params)) or "NULL"
    return (
        _OWNER_USERS.format(ids=ids_sql),
        [domain_key, *ids_params, Role.RESPONSIBLE, Role.ACCOUNTABLE],
    )


# --- gaps ---------------------------------------------------------------------------------
# The pairs that can be gaps come from two narrow reads, not from probing every pair of
# identity and domain (0.3 s at 100,000 identities): an effective A who is deactivated (a
# few users' rows), and no effective A at all — which only a domain without a global A can
# have, a global A being in every identity's chain. The deactivated users and the domains
# with no global A are read first and named to the planner as constants, so it reads just
# their rows, by index. The outer test stays the definition of a gap.
_GAP_FROM = """
  FROM ({candidates}) c
  JOIN identities_identity i ON i.id = c.identity_id {join}
  JOIN governance_controldomain d ON d.id = c.domain_id
  LEFT JOIN governance_effectiveowner e
         ON e.identity_id = i.id AND e.domain_id = d.id AND e.role = %s AND e.precedence = 0
  LEFT JOIN auth_user u ON u.id = e.user_id{next_up}
 WHERE i.status IN ({statuses}) AND (e.id IS NULL OR NOT u.is_active)"""
_DEACTIVATED_A = """
SELECT e1.identity_id, e1.domain_id
  FROM governance_effectiveowner e1
 WHERE e1.role = %s AND e1.precedence = 0 AND {deactivated}"""
_NO_A = """
SELECT i1.id, d1.id
  FROM governance_controldomain d1
  JOIN identities_identity i1 ON i1.status IN ({statuses})
 WHERE d1.id IN ({open}) AND NOT EXISTS (
       SELECT 1 FROM governance_effectiveowner e3
        WHERE e3.identity_id = i1.id AND e3.domain_id = d1.id
          AND e3.role = %s AND e3.precedence = 0)"""
_NOTHING = "SELECT e0.identity_id, e0.domain_id FROM governance_effectiveowner e0 WHERE 1 = 0"


def _open_domains(domain_ids) -> list[int]:
    """Domains (of `domain_ids`, None: all) with no global A."""
    with_global_a = Assignment.objects.filter(scope_kind=Scope.GLOBAL, role=Role.ACCOUNTABLE)
    domains = ControlDomain.objects.exclude(pk__in=with_global_a.values("domain_id"))
    if domain_ids is not None:
        domains = domains.filter(pk__in=domain_ids)
    return list(domains.values_list("pk", flat=True))


# The next active A up a gap's chain: whom a gap escalates to. Only a leaver's gap has a
# chain above it (with no effective A, no wider scope sets one either), so this reads the
# chains of leavers' rows alone, set-based, and joins the first active A of each.
_NEXT_UP = """
  LEFT JOIN (SELECT e2.identity_id, e2.domain_id, e2.user_id,
                    ROW_NUMBER() OVER (PARTITION BY e2.identity_id, e2.domain_id
                                       ORDER BY e2.precedence) AS n
               FROM governance_effectiveowner e0
               JOIN auth_user u0 ON u0.id = e0.user_id AND NOT u0.is_active
               JOIN governance_effectiveowner e2
                 ON e2.identity_id = e0.identity_id AND e2.domain_id = e0.domain_id
                AND e2.role = e0.role AND e2.precedence > 0
               JOIN auth_user u2 ON u2.id = e2.user_id AND u2.is_active
              WHERE e0.role = %s AND e0.precedence = 0) nx
         ON nx.identity_id = i.id AND nx.domain_id = d.id AND nx.n = 1"""


def gap_pairs(
    *,
    select: str,
    identities: QuerySet | None = None,
    domain_ids=None,
    order: str = "",
    next_up: bool = False,
    join: str = "",
) -> tuple[str, list]:
    """(sql, params) of `SELECT {select}` over the governed identities (among `identities`,
    a queryset kept as a subquery) crossed with the domains (of `domain_ids`), where the pair
    is a gap. Columns: i (identity), d (domain), e (its effective A row, NULL for none), u
    (its user); `next_up` prepends the next active A's id; `join` adds fixed joins on i.
    Fixed SQL and parameters only (two small reads first: see `_GAP_FROM`)."""
    a, statuses = Role.ACCOUNTABLE, ", ".join(["%s"] * len(GOVERNED_STATUSES))
    if domain_ids is not None:
        domain_ids = list(domain_ids)
    among, among_params = "", []  # the identities asked about, in each read too
    if identities is not None:
        among, among_params = identities.order_by().values("pk").query.sql_with_params()
    parts, params = [_NOTHING], []
    deactivated = list(get_user_model().objects.filter(is_active=False).values_list("pk"))
    if deactivated:
        users, users_params = one_of("e1.user_id", [pk for (pk,) in deactivated])
        parts.append(_DEACTIVATED_A.format(deactivated=users))
        params += [a, *users_params]
        if among:
            parts[-1] += f" AND e1.identity_id IN ({among})"
            params += among_params
    open_domains = _open_domains(domain_ids)
    if open_domains:
        parts.append(_NO_A.format(statuses=statuses, open=", ".join(["%s"] * len(open_domains))))
        params += [*GOVERNED_STATUSES, *open_domains, a]
        if among:
            parts[-1] += f" AND i1.id IN ({among})"
            params += among_params
    candidates = "\n UNION ALL ".join(parts)
    sql = f"SELECT {'nx.user_id, ' if next_up else ''}{select}" + _GAP_FROM.format(
        candidates=candidates, statuses=statuses, join=join, next_up=_NEXT_UP if next_up else ""
    )
    params += [a, *([a] if next_up else []), *GOVERNED_STATUSES]
    if domain_ids is not None:
        sql += f" AND d.id IN ({', '.join(['%s'] * len(domain_ids)) or 'NULL'})"
        params += domain_ids
    return sql + (f" ORDER BY {order}" if order else ""), params


def gap_rows(**kwargs) -> list[tuple]:
    sql, params = gap_pairs(**kwargs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
