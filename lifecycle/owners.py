"""Who to remind: the R (else the A) of a domain, and who to escalate to: the A — for many
identities at once, from governance's set-based resolution."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from core.roles import active_admin_ids
from governance.choices import Role, Scope
from governance.models import Assignment
from governance.selectors import effective_raci
from identities.models import Team


@dataclass(frozen=True)
class Owners:
    accountable: int | None  # an active A's user id, or None (a gap)
    responsible: frozenset[int]  # active R user ids, teams expanded

    @property
    def remind(self) -> frozenset[int]:
        """R first; the A when no R is assigned."""
        if self.responsible:
            return self.responsible
        return frozenset({self.accountable}) if self.accountable else frozenset()


def owners_for(identity_ids, domain_key: str) -> dict[int, Owners]:
    """{identity id: Owners} in a constant number of queries."""
    raci = effective_raci(identity_ids=list(identity_ids), domain_keys=[domain_key])
    group_ids = {
        who.group_id
        for per in raci.values()
        for _l, who, _e in per[domain_key].responsible
        if isinstance(who, Team)
    }
    members: dict[int, set[int]] = {}
    if group_ids:
        rows = (
            get_user_model()
            .groups.through.objects.filter(group_id__in=group_ids, user__is_active=True)
            .values_list("group_id", "user_id")
        )
        for group_id, user_id in rows:
            members.setdefault(group_id, set()).add(user_id)
    out = {}
    for identity_id, per in raci.items():
        entry = per[domain_key]
        a = entry.accountable.pk if entry.accountable and not entry.is_gap else None
        r: set[int] = set()
        for _label, who, _explain in entry.responsible:
            if isinstance(who, Team):
                r |= members.get(who.group_id, set())
            elif who.is_active:
                r.add(who.pk)
        out[identity_id] = Owners(a, frozenset(r))
    return out


def escalation_targets(domain_keys) -> dict[str, frozenset[int]]:
    """Per domain: its global A if active, otherwise every active admin."""
    global_a = dict(
        Assignment.objects.filter(
            domain__key__in=list(domain_keys),
            scope_kind=Scope.GLOBAL,
            role=Role.ACCOUNTABLE,
            assignee_user__is_active=True,
        ).values_list("domain__key", "assignee_user_id")
    )
    admins = None
    out = {}
    for key in domain_keys:
        if key in global_a:
            out[key] = frozenset({global_a[key]})
        else:
            if admins is None:
                admins = active_admin_ids()
            out[key] = admins
    return out
