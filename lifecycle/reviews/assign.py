"""Who reviews what: the identities in a campaign's scope and each one's effective reviewer,
for all of them at once (one RACI resolution, a constant number of queries)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from governance.choices import DomainKey, Role, Scope
from governance.models import Assignment as RaciAssignment
from governance.selectors import effective_raci
from identities.choices import IdentityStatus
from identities.models import Identity, Team

from ..choices import ReviewerRule

# Reviewed: identities that are live. Pending ones have not been approved yet; ended ones
# are over.
REVIEWED_STATUSES = (IdentityStatus.ACTIVE, IdentityStatus.SUSPENDED)
SCOPE_KEYS = ("teams", "platforms", "kinds", "risk_tiers")


def clean_scope(scope: dict | None) -> dict:
    """Only known keys, each a sorted list of strings; empty lists dropped."""
    out = {}
    for key in SCOPE_KEYS:
        values = (scope or {}).get(key) or []
        if isinstance(values, str):
            values = [values]
        values = sorted({str(v) for v in values if str(v).strip()})
        if values:
            out[key] = values
    return out


def scope_identities(scope: dict) -> QuerySet[Identity]:
    scope = clean_scope(scope)
    qs = Identity.objects.filter(status__in=REVIEWED_STATUSES)
    if scope.get("teams"):
        qs = qs.filter(team__slug__in=scope["teams"])
    if scope.get("platforms"):
        qs = qs.filter(platform__slug__in=scope["platforms"])
    if scope.get("kinds"):
        qs = qs.filter(kind__in=scope["kinds"])
    if scope.get("risk_tiers"):
        qs = qs.filter(risk_tier__in=scope["risk_tiers"])
    return qs


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
    identity with an ownership gap goes to the domain's global A, else to the admins."""
    key = DomainKey.IDENTITY
    raci = effective_raci(identity_ids=identity_ids, domain_keys=[key])
    out: dict[int, Assignment] = {}
    fallback = None
    for identity_id in identity_ids:
        entry = raci.get(identity_id, {}).get(key)
        if entry is None or entry.is_gap:
            if fallback is None:
                fallback = _gap_fallback(key)
            out[identity_id] = fallback
            continue
        if rule == ReviewerRule.RESPONSIBLE:
            user_r = [
                (who, explain)
                for _label, who, explain in entry.responsible
                if not isinstance(who, Team) and who.is_active
            ]
            if user_r:
                who, explain = user_r[0]
                out[identity_id] = Assignment(
                    who.pk, f"R of identity domain ({explain.inherited_label})", False
                )
                continue
        source = entry.accountable_source.inherited_label if entry.accountable_source else ""
        suffix = " — no named R" if rule == ReviewerRule.RESPONSIBLE else ""
        out[identity_id] = Assignment(
            entry.accountable.pk, f"A of identity domain ({source}){suffix}", False
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
