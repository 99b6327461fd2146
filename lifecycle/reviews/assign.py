"""Who reviews what: the identities in a campaign's scope and each one's effective reviewer,
for all of them at once (one RACI resolution, a constant number of queries)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from governance.choices import DomainKey, Role, Scope
from governance.models import Assignment as RaciAssignment
from governance.models import ControlDomain
from governance.selectors import explains_of, owner_rows
from identities.choices import IdentityStatus
from identities.models import Identity

from ..choices import ReviewerRule

# Reviewed: identities that are live. Pending ones have not been approved yet; ended ones
# are over.
REVIEWED_STATUSES = (IdentityStatus.ACTIVE, IdentityStatus.SUSPENDED)
SCOPE_LOOKUPS = {
    "teams": "team__slug__in",
    "platforms": "platform__slug__in",
    "kinds": "kind__in",
    "risk_tiers": "risk_tier__in",
}


def clean_scope(scope: dict | None) -> dict:
    """Only known keys, each a sorted list of strings; empty lists dropped."""
    out = {}
    for key in SCOPE_LOOKUPS:
        values = (scope or {}).get(key) or []
        if isinstance(values, str):
            values = [values]
        values = sorted({str(v) for v in values if str(v).strip()})
        if values:
            out[key] = values
    return out


def scope_identities(scope: dict) -> QuerySet[Identity]:
    lookups = {SCOPE_LOOKUPS[key]: values for key, values in clean_scope(scope).items()}
    return Identity.objects.filter(status__in=REVIEWED_STATUSES, **lookups)


def scope_label(scope: dict) -> str:
    scope = clean_scope(scope)
    if not scope:
        return "All identities"
    return "; ".join(f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in scope.items())


@dataclass(frozen=True)
class Assignment:
    reviewer_id: int | None  # None: the admins
    reason: str
    is_gap: bool


def reviewers_for(identity_ids: list[int], rule: str) -> dict[int, Assignment]:
    """{identity id: Assignment}. The A of the identity domain (or, by rule, a named R); an
    identity with an ownership gap goes to the domain's global A, else to the admins. Joins
    governance's effective owners: a constant number of queries."""
    domain = ControlDomain.objects.filter(key=DomainKey.IDENTITY).first()
    a_of: dict[int, tuple] = {}  # identity id -> (user id, assignment id), active only
    r_of: dict[int, tuple] = {}  # identity id -> its first active person R
    for identity_id, _d, role, precedence, user_id, active, _g, assignment_id in owner_rows(
        identity_ids=identity_ids, domain_ids=[domain.pk] if domain else []
    ):
        if role == Role.ACCOUNTABLE and precedence == 0 and active:
            a_of[identity_id] = (user_id, assignment_id)
        elif role == Role.RESPONSIBLE and active and identity_id not in r_of:
            r_of[identity_id] = (user_id, assignment_id)
    sources = explains_of(source for _who, source in (*a_of.values(), *r_of.values()))
    out: dict[int, Assignment] = {}
    fallback = None
    for identity_id in identity_ids:
        if identity_id not in a_of:  # a gap
            fallback = fallback or _gap_fallback(DomainKey.IDENTITY)
            out[identity_id] = fallback
        elif rule == ReviewerRule.RESPONSIBLE and identity_id in r_of:
            who, source = r_of[identity_id]
            out[identity_id] = Assignment(
                who, f"R of identity domain ({sources[source].inherited_label})", False
            )
        else:
            who, source = a_of[identity_id]
            suffix = " — no named R" if rule == ReviewerRule.RESPONSIBLE else ""
            out[identity_id] = Assignment(
                who, f"A of identity domain ({sources[source].inherited_label}){suffix}", False
            )
    return out


def _gap_fallback(key: str) -> Assignment:
    global_a = (
        RaciAssignment.objects.filter(
            domain__key=key,
            scope_kind=Scope.GLOBAL,
            role=Role.ACCOUNTABLE,
            assignee_user__is_active=True,
        )
        .values_list("assignee_user_id", flat=True)
        .first()
    )
    if global_a:
        return Assignment(global_a, "ownership gap → global A of the identity domain", True)
    return Assignment(None, "ownership gap → admins (no active global A)", True)
