"""Who to remind: the R (else the A) of a domain, and who to escalate to: the A — for many
identities at once, joined from governance's effective owners (`EffectiveOwner`)."""

from dataclasses import dataclass

from core.bulk import id_list
from core.roles import active_admin_ids
from governance.choices import Role, Scope
from governance.models import Assignment
from governance.owner_queries import accountable_owners, owner_users


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
    """{identity id: Owners} of every identity in `identity_ids`, in one query (a join on
    the effective owners)."""
    ids = list(identity_ids)
    accountable: dict[int, int] = {}
    responsible: dict[int, set[int]] = {}
    for identity_id, role, user_id in owner_users(identity_ids=ids, domain_key=domain_key):
        if role == Role.ACCOUNTABLE:
            accountable[identity_id] = user_id
        else:
            responsible.setdefault(identity_id, set()).add(user_id)
    return {pk: Owners(accountable.get(pk), frozenset(responsible.get(pk, ()))) for pk in ids}


def accountable_for(identity_ids, domain_key: str) -> dict[int, int]:
    """{identity id: its effective A's user id} of the identities in `identity_ids` whose A
    is active (a gap has none), in one query: `owners_for` without the R."""
    rows = accountable_owners(domain_key=domain_key).filter(
        identity_id__in=id_list(identity_ids), user__is_active=True
    )
    return dict(rows.values_list("identity_id", "user_id"))


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
