"""Ownership resolution: the effective RACI of identities, set-based.

One pass over the assignments that can apply to a batch of identities (global, their
platforms, their teams, themselves), then precedence identity > team > platform > global per
role, in Python. A constant number of queries, whatever the number of identities.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, prefetch_related_objects

from core.bulk import id_list
from identities.models import Identity

from .choices import SCOPE_PRECEDENCE, GapReason, Role, Scope
from .models import Assignment, ControlDomain


@dataclass(frozen=True)
class Explain:
    """Where an effective entry comes from: the scope and the assignment."""

    scope_kind: str
    scope_label: str
    assignment_id: int

    @property
    def inherited_label(self) -> str:
        return (
            "global" if self.scope_kind == Scope.GLOBAL else f"{self.scope_kind} {self.scope_label}"
        )

    def __str__(self) -> str:
        return (
            f"{Scope(self.scope_kind).label}: {self.scope_label} (assignment #{self.assignment_id})"
        )

    def as_dict(self) -> dict:
        return {
            "scope_kind": self.scope_kind,
            "scope_label": self.scope_label,
            "assignment_id": self.assignment_id,
        }


@dataclass(frozen=True)
class EffectiveRaci:
    """The effective RACI of one identity in one domain.

    `responsible`, `consulted`, `informed`: tuples of (assignee label, User or Team, Explain).
    `accountable` is the A user even when deactivated (then `is_gap` is True); `next_up` is
    then the next active A down the precedence (the A of a wider scope), who acts for the
    leaver: decides what waits on them and is told of the gap, until the matrix is mended.
    """

    domain: ControlDomain
    accountable: object | None = None
    accountable_source: Explain | None = None
    responsible: tuple = field(default_factory=tuple)
    consulted: tuple = field(default_factory=tuple)
    informed: tuple = field(default_factory=tuple)
    next_up: object | None = None
    next_up_source: Explain | None = None

    @property
    def acting_accountable(self):
        """The active A who decides now: the effective A, or the next one up for a leaver."""
        if self.accountable is not None and self.accountable.is_active:
            return self.accountable
        return self.next_up

    @property
    def domain_key(self) -> str:
        return self.domain.key

    @property
    def gap_reason(self) -> str:
        if self.accountable is None:
            return GapReason.NO_ACCOUNTABLE
        if not self.accountable.is_active:
            return GapReason.INACTIVE_ACCOUNTABLE
        return ""

    @property
    def is_gap(self) -> bool:
        return bool(self.gap_reason)

    @property
    def gap_label(self) -> str:
        return GapReason(self.gap_reason).label if self.gap_reason else ""


def _scope_label(a: Assignment) -> str:
    if a.scope_kind == Scope.GLOBAL:
        return "Global"
    return str(a.scope_obj)


def explain_of(a: Assignment) -> Explain:
    return Explain(a.scope_kind, _scope_label(a), a.pk)


def _entry(a: Assignment, explain: Explain):
    return (a.assignee_label, a.assignee, explain)


def domains_for(domain_keys: Iterable[str] | None) -> list[ControlDomain]:
    qs = ControlDomain.objects.all()
    if domain_keys is not None:
        qs = qs.filter(key__in=list(domain_keys))
    return list(qs)


def resolve(
    rows: Iterable[tuple[int, int, int]], domains: list[ControlDomain], *, as_of=None
) -> dict[int, dict[str, EffectiveRaci]]:
    """`rows`: (identity id, team id, platform id). One query for the assignments — or, `as_of`
    a moment, the matrix as it stood then, from its history (a few queries more)."""
    rows = list(rows)
    if not rows or not domains:
        return {row[0]: {} for row in rows}
    resolver = _Resolver(_applicable(rows, domains, as_of=as_of), domains)
    # An identity with no assignment of its own resolves exactly like every other identity of
    # the same (team, platform): resolve each such pair once and share the (immutable)
    # EffectiveRaci values; each identity still gets its own dict.
    own_scope = {key[2] for key in resolver.index if key[1] == Scope.IDENTITY}
    shared: dict[tuple[int, int], dict[str, EffectiveRaci]] = {}
    result: dict[int, dict[str, EffectiveRaci]] = {}
    for identity_id, team_id, platform_id in rows:
        if identity_id in own_scope:
            result[identity_id] = resolver.per_domain(identity_id, team_id, platform_id)
            continue
        per_domain = shared.get((team_id, platform_id))
        if per_domain is None:
            per_domain = shared[(team_id, platform_id)] = resolver.per_domain(
                None, team_id, platform_id
            )
        result[identity_id] = dict(per_domain)
    return result


def _applicable(rows: list[tuple[int, int, int]], domains, *, as_of) -> list[Assignment]:
    """The assignments that can apply to `rows` (now, or as they stood at `as_of`), by id."""
    applicable = (
        Q(scope_kind=Scope.GLOBAL)
        | Q(scope_kind=Scope.PLATFORM, platform_id__in={r[2] for r in rows})
        | Q(scope_kind=Scope.TEAM, team_id__in={r[1] for r in rows})
        | Q(scope_kind=Scope.IDENTITY, identity_id__in=id_list({r[0] for r in rows}))
    )
    related = ("assignee_user", "assignee_team", "platform", "team", "identity")
    if as_of is None:
        return list(
            Assignment.objects.filter(applicable, domain__in=domains)
            .select_related(*related)
            .order_by("id")
        )
    assignments = sorted(
        (
            record.instance
            for record in Assignment.history.filter(history_date__lte=as_of)
            .latest_of_each()
            .exclude(history_type="-")
            .filter(applicable, domain__in=domains)
        ),
        key=lambda a: a.pk,
    )
    prefetch_related_objects(assignments, *related)
    return assignments


class _Resolver:
    """Precedence over a batch's assignments, indexed by (domain id, scope kind, scope id)."""

    def __init__(self, assignments: list[Assignment], domains: list[ControlDomain]):
        self.domains = domains
        # index[(domain id, scope kind, scope id)][role] -> [assignments]
        self.index: dict[tuple, dict[str, list[Assignment]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for a in assignments:
            scope_id = {
                Scope.GLOBAL: None,
                Scope.PLATFORM: a.platform_id,
                Scope.TEAM: a.team_id,
                Scope.IDENTITY: a.identity_id,
            }[a.scope_kind]
            self.index[(a.domain_id, a.scope_kind, scope_id)][a.role].append(a)
        # Explain and (label, assignee, Explain) of an assignment are the same wherever it
        # applies: build them once per assignment, not once per identity.
        self._explained: dict[int, tuple[Explain, tuple]] = {}

    def explain(self, a: Assignment) -> tuple[Explain, tuple]:
        pair = self._explained.get(a.pk)
        if pair is None:
            e = explain_of(a)
            pair = self._explained[a.pk] = (e, _entry(a, e))
        return pair

    def per_domain(self, identity_id, team_id, platform_id) -> dict[str, EffectiveRaci]:
        scope_ids = {
            Scope.IDENTITY: identity_id,
            Scope.TEAM: team_id,
            Scope.PLATFORM: platform_id,
            Scope.GLOBAL: None,
        }
        return {domain.key: self._effective(domain, scope_ids) for domain in self.domains}

    def _effective(self, domain: ControlDomain, scope_ids: dict) -> EffectiveRaci:
        chosen: dict[str, list[Assignment]] = {}
        a_chain: list[Assignment] = []  # every A that applies, most specific first
        for kind in SCOPE_PRECEDENCE:
            cell = self.index.get((domain.pk, kind, scope_ids[kind]))
            if not cell:
                continue
            for role, items in cell.items():
                chosen.setdefault(role, items)  # most specific scope wins, per role
            a_chain.extend(cell.get(Role.ACCOUNTABLE, ()))
        a = a_chain[0] if a_chain else None
        up = next((x for x in a_chain[1:] if x.assignee_user.is_active), None)

        def entries(role):
            return tuple(self.explain(x)[1] for x in chosen.get(role, []))

        return EffectiveRaci(
            domain=domain,
            accountable=a.assignee_user if a else None,
            accountable_source=self.explain(a)[0] if a else None,
            responsible=entries(Role.RESPONSIBLE),
            consulted=entries(Role.CONSULTED),
            informed=entries(Role.INFORMED),
            next_up=up.assignee_user if up else None,
            next_up_source=self.explain(up)[0] if up else None,
        )


def identity_rows(identity_ids) -> list[tuple[int, int, int]]:
    """Ids may be a list or a queryset of ids (kept as one subquery)."""
    if not isinstance(identity_ids, QuerySet):
        identity_ids = id_list(identity_ids)
    return list(
        Identity.objects.filter(pk__in=identity_ids).values_list("id", "team_id", "platform_id")
    )
