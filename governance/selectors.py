"""Reads for ownership, always set-based: the RACI resolution runs once per batch.

Public interface for other apps (approvals, lifecycle, evidence):
`effective_raci`, `identity_owners`, `accountable_for`, `deciders_for`, `ownership_gaps`,
`gap_count`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet

from core.roles import can_read_all, has_role, is_admin, is_auditor
from core.roles import role_label as group_role_label
from identities.models import Identity, Platform, Team
from identities.selectors import identity_scope

from .choices import GOVERNED_STATUSES, DomainKey, GapReason, Role, Scope
from .filtersets import AssignmentFilterSet, GapFilterSet
from .models import Assignment, ControlDomain
from .owner_queries import (
    accountable_owners,
    decides,
    deciding_rows,
    gap_pairs,
    gap_rows,
    owner_rows,
)
from .resolution import EffectiveRaci, Explain, domains_for, explain_of, identity_rows, resolve

__all__ = [
    "EffectiveRaci",
    "Explain",
    "Gap",
    "accountable_for",
    "accountable_owners",
    "assignment_list",
    "can_read_ownership",
    "deciders_for",
    "decides",
    "deciding_rows",
    "domain_list",
    "effective_raci",
    "effective_raci_of_rows",
    "explains_of",
    "gap_count",
    "identity_owners",
    "owner_rows",
    "ownership_gaps",
    "role_label",
]


def explains_of(assignment_ids) -> dict[int, Explain]:
    """{assignment id: where it applies (Explain)}: one query."""
    related = ("platform", "team", "identity")
    return {
        a.pk: explain_of(a)
        for a in Assignment.objects.filter(pk__in=set(assignment_ids)).select_related(*related)
    }


def can_read_ownership(user) -> bool:
    """Admins and auditors read everything; engineers read the matrix and their gaps."""
    return has_role(user)


def role_label(user) -> str:
    """The role badge a person reads in the top bar: Admin; Owner when they are the A or an R
    of a domain anywhere; Auditor; Finance when the domain they own is consumption oversight;
    else their group's label (Engineer). One query, for non-admins only."""
    if not user.is_authenticated or is_admin(user):
        return group_role_label(user)
    owned = set(
        Assignment.objects.filter(
            assignee_user=user, role__in=(Role.ACCOUNTABLE, Role.RESPONSIBLE)
        ).values_list("domain__key", flat=True)
    )
    if owned - {DomainKey.CONSUMPTION}:
        return "Owner"
    if is_auditor(user):
        return group_role_label(user)
    return "Finance" if owned else group_role_label(user)


# --- resolution -------------------------------------------------------------------------
def effective_raci(
    *, identity_ids, domain_keys: Iterable[str] | None = None
) -> dict[int, dict[str, EffectiveRaci]]:
    """{identity id: {domain key: EffectiveRaci}}: three queries whatever the batch size.

    `identity_ids` may be a list or a queryset of ids (kept as a subquery)."""
    return resolve(identity_rows(identity_ids), domains_for(domain_keys))


def effective_raci_of_rows(
    *, rows: Iterable[tuple[int, int, int]], domains: Iterable[ControlDomain]
) -> dict[int, dict[str, EffectiveRaci]]:
    """As `effective_raci`, for a caller that already holds (identity id, team id, platform
    id) rows and the domains: one query (the assignments)."""
    return resolve(rows, list({d.pk: d for d in domains}.values()))


def identity_owners(*, identity: Identity, as_of=None) -> dict[str, EffectiveRaci]:
    """One identity, every domain, with where each owner comes from (now, or as the matrix
    stood at `as_of`)."""
    return resolve(
        [(identity.pk, identity.team_id, identity.platform_id)], domains_for(None), as_of=as_of
    ).get(identity.pk, {})


def _one(identity: Identity, domain_key: str) -> EffectiveRaci | None:
    resolved = resolve(
        [(identity.pk, identity.team_id, identity.platform_id)], domains_for([domain_key])
    )
    return resolved[identity.pk].get(domain_key)


def accountable_for(*, identity: Identity, domain_key: str):
    """The effective, active A of (identity, domain), or None (a gap)."""
    raci = _one(identity, domain_key)
    if raci is None or raci.is_gap:
        return None
    return raci.accountable


def deciders_for(*, identity: Identity, domain_key: str, roles=(Role.ACCOUNTABLE,)) -> set[int]:
    """Ids of the active users holding `roles` for (identity, domain); a team assignee is
    expanded to its members (the team's group)."""
    raci = _one(identity, domain_key)
    if raci is None:
        return set()
    user_ids: set[int] = set()
    team_group_ids: set[int] = set()
    if Role.ACCOUNTABLE in roles and raci.acting_accountable is not None:
        user_ids.add(raci.acting_accountable.pk)
    by_role = {
        Role.RESPONSIBLE: raci.responsible,
        Role.CONSULTED: raci.consulted,
        Role.INFORMED: raci.informed,
    }
    for role, entries in by_role.items():
        if role not in roles:
            continue
        for _label, who, _explain in entries:
            if isinstance(who, Team):
                team_group_ids.add(who.group_id)
            elif who.is_active:
                user_ids.add(who.pk)
    if team_group_ids:
        user_ids |= set(
            get_user_model()
            .objects.filter(groups__in=team_group_ids, is_active=True)
            .values_list("pk", flat=True)
        )
    return user_ids


# --- gaps -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gap:
    identity: Identity
    domain: ControlDomain
    reason: str
    raci: EffectiveRaci

    def __iter__(self):  # unpacks as (identity, domain, reason)
        return iter((self.identity, self.domain, self.reason))

    @property
    def reason_label(self) -> str:
        return self.raci.gap_label


def _governed_identities(user, filters: dict | None) -> tuple[QuerySet | None, list[ControlDomain]]:
    """The user's governed identities the filters keep — None when that is all of them (the
    gap SQL tests the status itself: no subquery of every identity) — and the domains."""
    filterset = GapFilterSet(filters or {}, queryset=identity_scope(user))
    qs = filterset.qs
    qs = qs.filter(status__in=GOVERNED_STATUSES) if qs.query.where else None
    domain = filterset.form.cleaned_data.get("domain") if filterset.is_valid() else None
    return qs, domains_for([domain.key] if domain else None)


_IDENTITY_SHOWN = ("id", "name", "external_id", "status", "team_id", "platform_id")
_SCOPE_SHOWN = ("id", "name", "slug")


def ownership_gaps(*, user, filters: dict | None = None) -> "GapList":
    """Every (identity, domain, reason) without an effective, active A, in the user's scope,
    by identity name then domain. Filters: domain (key), team and platform (slugs), q.
    Lazy: its length is one count, a slice one page (a report of 18,833 gaps built every row
    to show 50); iterating it reads every gap."""
    if not user.is_authenticated:
        return GapList(None, {})
    qs, domains = _governed_identities(user, filters)
    by_id = {d.pk: d for d in domains}
    sql, params = gap_pairs(
        select="i.id AS gap_identity, i.name, i.external_id, i.status, i.team_id, "
        "i.platform_id, t.id, t.name, t.slug, p.id, p.name, p.slug, d.id, e.assignment_id",
        identities=qs,
        domain_ids=by_id,
        join="JOIN identities_team t ON t.id = i.team_id "
        "JOIN identities_platform p ON p.id = i.platform_id",
    )
    return GapList((sql, params), by_id)


class GapList(Sequence):
    """The gaps of one query (`ownership_gaps`): `len` counts them (and `identities` the
    identities among them) in SQL, a slice reads that window of the report's order, and
    iteration reads them all — each at most once. Every read is three queries: the rows, then
    the deactivated A's assignments (and the two small reads of `gap_pairs`, once)."""

    ORDER = ("i.name", "i.id", "d.position", "d.name")
    SORTS = {
        "identity": "i.name",
        "team": "t.name",
        "platform": "p.name",
        "domain": "d.name",
        # by the reason's label: a gap with a (deactivated) A is one whose A row is there
        "gap": "(e.assignment_id IS NULL)"
        if GapReason.INACTIVE_ACCOUNTABLE.label < GapReason.NO_ACCOUNTABLE.label
        else "(e.assignment_id IS NOT NULL)",
    }

    def __init__(self, query: tuple[str, list] | None, domains: dict[int, ControlDomain]):
        self.query, self.domains = query, domains
        self.order = " ORDER BY " + ", ".join(self.ORDER)
        self._all: list[Gap] | None = [] if query is None else None
        self._counts: tuple[int, int] | None = None

    def sort_by(self, names) -> None:
        """Order by the report's columns `names` ("-" first: descending; each a `SORTS` key)
        in SQL, then by its own order."""
        terms = []
        for name in names:
            column = self.SORTS[name.lstrip("-")]
            terms.append(f"{column} DESC" if name.startswith("-") else column)
        self.order = " ORDER BY " + ", ".join([*terms, *self.ORDER])
        if self.query is not None:
            self._all = None  # read again, in this order

    def _counted(self) -> tuple[int, int]:
        if self._all is not None:
            return len(self._all), len({g.identity.pk for g in self._all})
        if self._counts is None:
            sql, params = self.query
            with connection.cursor() as cursor:
                counting = f"SELECT COUNT(*), COUNT(DISTINCT g.gap_identity) FROM ({sql}) g"  # noqa: S608 (gap_pairs: fixed SQL)
                cursor.execute(counting, params)
                self._counts = cursor.fetchone()
        return self._counts

    def __len__(self) -> int:
        return self._counted()[0]

    @property
    def identities(self) -> int:
        """How many identities the gaps are on."""
        return self._counted()[1]

    def __iter__(self):
        if self._all is None:
            self._all = self._read("", [])
        return iter(self._all)

    def __getitem__(self, index):
        if self._all is not None:
            return self._all[index]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            return self._read(" LIMIT %s OFFSET %s", [max(stop - start, 0), start])
        return list(self)[index]

    def _read(self, window: str, window_params: list) -> list[Gap]:
        sql, params = self.query
        with connection.cursor() as cursor:
            cursor.execute(sql + self.order + window, [*params, *window_params])
            rows = cursor.fetchall()
        return _gaps(rows, self.domains)


def _gaps(rows: list[tuple], by_id: dict[int, ControlDomain]) -> list[Gap]:
    """Gap rows (`ownership_gaps`' columns) as `Gap`s, with their deactivated A's source."""
    sources = Assignment.objects.filter(pk__in={r[-1] for r in rows if r[-1]}).select_related(
        "assignee_user", "platform", "team", "identity"
    )
    sources = {a.pk: a for a in sources}
    db, loaded = connection.alias, {}

    def load(model, values):  # one instance per row id, with only the shown columns loaded
        key = (model, values[0])
        if key not in loaded:
            shown = _IDENTITY_SHOWN if model is Identity else _SCOPE_SHOWN
            given = dict(zip(shown, values, strict=True))
            names = [f.attname for f in model._meta.concrete_fields if f.attname in given]
            loaded[key] = model.from_db(db, names, [given[n] for n in names])
        return loaded[key]

    gaps = []
    for row in rows:
        identity = load(Identity, row[:6])
        identity.team, identity.platform = load(Team, row[6:9]), load(Platform, row[9:12])
        domain, a = by_id[row[12]], sources.get(row[13])
        raci = EffectiveRaci(domain)
        if a is not None:
            raci = EffectiveRaci(
                domain, accountable=a.assignee_user, accountable_source=explain_of(a)
            )
        gaps.append(Gap(identity, domain, raci.gap_reason, raci))
    return gaps


def gap_count(*, user, filters: dict | None = None) -> int:
    """How many identities in the user's scope have at least one ownership gap."""
    if not user.is_authenticated:
        return 0
    qs, domains = _governed_identities(user, filters)
    [(count,)] = gap_rows(
        select="COUNT(DISTINCT i.id)", identities=qs, domain_ids=[d.pk for d in domains]
    )
    return count


def gap_identity_ids(*, identity_ids=None) -> dict[int, list[str]]:
    """{identity id: [domain keys with a gap]} for governed identities (for sweeps/evidence,
    no user scope): one query."""
    identities = None if identity_ids is None else Identity.objects.filter(pk__in=identity_ids)
    out: dict[int, list[str]] = {}
    for identity_id, key in gap_rows(
        select="i.id, d.key", identities=identities, order="i.id, d.position"
    ):
        out.setdefault(identity_id, []).append(key)
    return out


def identities_with_gaps() -> list[int]:
    """The ids of governed identities with at least one gap, in order (no user scope)."""
    return [pk for (pk,) in gap_rows(select="DISTINCT i.id", order="i.id")]


def gap_escalations(*, identity_ids=None) -> dict[int, dict[str, int | None]]:
    """{identity id: {domain key with a gap: the id of the next active A up the precedence,
    or None where no wider scope has one}} for governed identities: one query."""
    identities = None if identity_ids is None else Identity.objects.filter(pk__in=identity_ids)
    out: dict[int, dict[str, int | None]] = {}
    for next_up, identity_id, key in gap_rows(
        select="i.id, d.key", identities=identities, next_up=True, order="i.id, d.position"
    ):
        out.setdefault(identity_id, {})[key] = next_up
    return out


# --- the matrix -------------------------------------------------------------------------
def domain_list(*, user) -> QuerySet[ControlDomain]:
    return ControlDomain.objects.all() if can_read_ownership(user) else ControlDomain.objects.none()


def assignment_list(*, user, filters: dict | None = None) -> QuerySet[Assignment]:
    if not can_read_ownership(user):
        return Assignment.objects.none()
    qs = Assignment.objects.select_related(
        "domain", "platform", "team", "identity", "assignee_user", "assignee_team"
    )
    if not can_read_all(user):
        # Identity-level cells name identities: only those in the user's scope.
        qs = qs.filter(
            ~Q(scope_kind=Scope.IDENTITY) | Q(identity__in=identity_scope(user).values("pk"))
        )
    return AssignmentFilterSet(filters or {}, queryset=qs).qs


@dataclass
class MatrixRow:
    scope_kind: str
    scope_obj: object | None
    label: str
    cells: list  # one MatrixCell per domain


@dataclass
class MatrixCell:
    domain: ControlDomain
    scope_kind: str
    scope_id: int | None
    explicit: list  # Assignments at this scope
    inherited: list  # Assignments from global for roles this scope does not set

    @property
    def has_accountable(self) -> bool:
        return any(a.role == Role.ACCOUNTABLE for a in self.explicit + self.inherited)


def _cell(domain, kind, scope_id, explicit, global_items) -> MatrixCell:
    own_roles = {a.role for a in explicit}
    inherited = [] if kind == Scope.GLOBAL else [a for a in global_items if a.role not in own_roles]
    return MatrixCell(domain, kind, scope_id, explicit, inherited)


def matrix_cell(*, domain: ControlDomain, scope_kind: str, scope_id: int | None) -> MatrixCell:
    base = Assignment.objects.filter(domain=domain).select_related(
        "assignee_user", "assignee_team", "platform", "team", "identity"
    )
    global_items = list(base.filter(scope_kind=Scope.GLOBAL).order_by("role", "id"))
    if scope_kind == Scope.GLOBAL:
        return _cell(domain, scope_kind, None, global_items, [])
    field = {Scope.PLATFORM: "platform_id", Scope.TEAM: "team_id", Scope.IDENTITY: "identity_id"}
    explicit = list(
        base.filter(scope_kind=scope_kind, **{field[scope_kind]: scope_id}).order_by("role", "id")
    )
    return _cell(domain, scope_kind, scope_id, explicit, global_items)


def matrix(*, user) -> tuple[list[ControlDomain], list[MatrixRow]]:
    """Domains by scopes (global, each platform, each team): four queries."""
    domains = list(domain_list(user=user))
    assignments = Assignment.objects.filter(
        scope_kind__in=[Scope.GLOBAL, Scope.PLATFORM, Scope.TEAM], domain__in=domains
    ).select_related("assignee_user", "assignee_team")
    cells: dict[tuple, list] = {}
    for a in assignments.order_by("role", "id"):
        key = (a.domain_id, a.scope_kind, a.platform_id or a.team_id)
        cells.setdefault(key, []).append(a)
    rows = []
    scopes = [(Scope.GLOBAL, None, "All identities")]
    scopes += [(Scope.PLATFORM, p, p.name) for p in Platform.objects.order_by("name")]
    scopes += [(Scope.TEAM, t, t.name) for t in Team.objects.order_by("name")]
    for kind, obj, label in scopes:
        scope_id = obj.pk if obj is not None else None
        row_cells = [
            _cell(
                d,
                kind,
                scope_id,
                cells.get((d.pk, kind, scope_id), []),
                cells.get((d.pk, Scope.GLOBAL, None), []),
            )
            for d in domains
        ]
        rows.append(MatrixRow(kind, obj, label, row_cells))
    return domains, rows
