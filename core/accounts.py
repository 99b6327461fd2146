"""People's access, changed by admins: roles (the role groups), memberships of other groups
(a team's group: identities calls these for its members), deactivation and reactivation.
Each change is one `AccountChange` row — who, what, when, why — chained into the ledger by
its history.

A deactivated person is a leaver: nothing here rewrites the RACI matrix. Governance's
resolution treats an inactive A as an ownership gap at once, and lifecycle's escalation sweep
tells the next A up and re-routes what waited on them; deactivation starts that sweep right
after its commit instead of waiting for beat's next run."""

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from .history import stamp
from .models import AccountChange, ApiToken
from .roles import ADMINS, ROLE_GROUPS, ROLE_LABELS, active_admin_ids, can_read_all, is_admin
from .system import system_user

ESCALATION_TASK = "lifecycle.tasks.escalation_sweep"  # the leaver handling (lifecycle)


# --- reads --------------------------------------------------------------------------------
def people_list(*, user, query: str = "", active: str = ""):
    """Admins and auditors read everyone's roles: users with their groups, two queries."""
    if not can_read_all(user):
        raise PermissionDenied
    people = (
        get_user_model()
        .objects.exclude(username=settings.STEWARD_SYSTEM_USERNAME)
        .order_by("username")
    )
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    if active in {"yes", "no"}:
        people = people.filter(is_active=active == "yes")
    return people.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))


def person_get(*, user, pk):
    try:
        return people_list(user=user).get(pk=pk)
    except (get_user_model().DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def person_changes(*, person):
    return AccountChange.objects.filter(user=person).select_related("user", "actor")[:100]


def role_labels(person) -> list[str]:
    """The person's role names (labels), from prefetched groups."""
    return [ROLE_LABELS[g.name] for g in person.groups.all() if g.name in ROLE_GROUPS]


def role_counts() -> dict[str, int]:
    rows = Group.objects.filter(name__in=ROLE_GROUPS).annotate(
        n=Count("user", filter=Q(user__is_active=True))
    )
    return {g.name: g.n for g in rows}


# --- writes -------------------------------------------------------------------------------
def membership_add(*, actor, user, group: Group, reason: str, label: str = "") -> AccountChange:
    """Put `user` in `group` (a role, or a team's group named `label`), with who and why."""
    reason, label = _checked(actor, reason), label or _name(group)
    with transaction.atomic():
        user = _locked(user)
        if user.groups.filter(pk=group.pk).exists():
            raise ValidationError(f"{_person(user)} is already in {label}.")
        user.groups.add(group)
        return _record(user, AccountChange.Kind.JOINED, actor, reason, group, label)


def membership_remove(*, actor, user, group: Group, reason: str, label: str = "") -> AccountChange:
    reason, label = _checked(actor, reason), label or _name(group)
    with transaction.atomic():
        user = _locked(user)
        if not user.groups.filter(pk=group.pk).exists():
            raise ValidationError(f"{_person(user)} is not in {label}.")
        if group.name == ADMINS:
            _keep_an_admin(actor, user, "remove the admin role from")
        user.groups.remove(group)
        return _record(user, AccountChange.Kind.LEFT, actor, reason, group, label)


def role_grant(*, actor, user, role: str, reason: str) -> AccountChange:
    return membership_add(actor=actor, user=user, group=_role_group(role), reason=reason)


def role_revoke(*, actor, user, role: str, reason: str) -> AccountChange:
    return membership_remove(actor=actor, user=user, group=_role_group(role), reason=reason)


def memberships_sync(*, user, wanted, managed, reason: str, labels=None) -> list[AccountChange]:
    """Make `user`'s memberships among the `managed` groups exactly `wanted` (groups), as the
    system actor: the identity provider's groups claim at sign-in is the authority here, not
    an admin, so neither the admin check nor the last-admin guard applies. One AccountChange
    per group joined or left; `labels` names team groups ({group id: team name})."""
    labels, actor = labels or {}, system_user()
    with transaction.atomic():
        user = _locked(user)
        current = set(user.groups.filter(pk__in=managed))
        left, joined = current - set(wanted), set(wanted) - current
        user.groups.remove(*left)
        user.groups.add(*joined)
        changes = [(AccountChange.Kind.LEFT, g) for g in left]
        changes += [(AccountChange.Kind.JOINED, g) for g in joined]
        return [
            _record(user, kind, actor, reason, group, labels.get(group.pk) or _name(group))
            for kind, group in sorted(changes, key=lambda c: (c[0], c[1].name))
        ]


def account_deactivate(*, actor, user, reason: str, now=None) -> AccountChange:
    """A leaver: no sign-in, no API token; what they own becomes a gap the sweep escalates."""
    reason = _checked(actor, reason)
    now = now or timezone.now()
    with transaction.atomic():
        user = _locked(user)
        if not user.is_active:
            raise ValidationError(f"{_person(user)} is already deactivated.")
        _keep_an_admin(actor, user, "deactivate")
        user.is_active = False
        user.save(update_fields=["is_active"])
        # ApiToken keeps no history (its rows are the record); the tokens stop working anyway
        # once the account is inactive, revoked here so a reactivation does not revive them.
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        change = _record(user, AccountChange.Kind.DEACTIVATED, actor, reason, now=now)
    transaction.on_commit(lambda: current_app.send_task(ESCALATION_TASK))
    return change


def account_reactivate(*, actor, user, reason: str) -> AccountChange:
    reason = _checked(actor, reason)
    with transaction.atomic():
        user = _locked(user)
        if user.is_active:
            raise ValidationError(f"{_person(user)} is already active.")
        user.is_active = True
        user.save(update_fields=["is_active"])
        return _record(user, AccountChange.Kind.REACTIVATED, actor, reason)


def _checked(actor, reason: str) -> str:
    if not is_admin(actor):
        raise PermissionDenied("Only admins change people's roles, teams and accounts.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: it is kept as evidence."})
    return reason


def _locked(user):
    """The user row, locked: two admins acting on one person apply one after the other."""
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def _keep_an_admin(actor, user, what: str) -> None:
    if user.pk == actor.pk:
        raise ValidationError(f"You cannot {what} yourself: ask another admin.")
    admins = active_admin_ids()
    if user.pk in admins and len(admins) <= 1:
        raise ValidationError(f"You cannot {what} the last active admin.")


def _role_group(role: str) -> Group:
    if role not in ROLE_GROUPS:
        raise ValidationError({"role": f"Choose one of: {', '.join(ROLE_LABELS.values())}."})
    return Group.objects.get_or_create(name=role)[0]


def _name(group: Group) -> str:
    return f"the {ROLE_LABELS[group.name]} role" if group.name in ROLE_LABELS else group.name


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _record(user, kind, actor, reason, group=None, label="", now=None) -> AccountChange:
    change = AccountChange(
        user=user,
        kind=kind,
        group=group,
        group_name=label,
        actor=actor,
        reason=reason,
        occurred_at=now or timezone.now(),
    )
    stamp(change, actor=actor, reason=f"{change} by {actor}: {reason}")
    change.save()
    return change
