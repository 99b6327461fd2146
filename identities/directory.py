"""Writes for the directory (admins): teams and their members, platforms. Every change has
history with who and why: a team or platform's own history rows, and for membership one
`core.AccountChange` per person (membership is the team's Django group, so RACI grants made
to the team follow it with no permission rewrite)."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from core.accounts import membership_add, membership_remove
from core.history import stamp
from core.roles import is_admin

from .models import Platform, Team

TEAM_FIELDS = ("name", "description")  # the slug names the team's group: fixed at creation
PLATFORM_FIELDS = ("name", "kind", "owning_team", "description")


# --- teams --------------------------------------------------------------------------------
@transaction.atomic
def team_create(*, actor, name: str, slug: str = "", description: str = "") -> Team:
    _require_admin(actor)
    name = name.strip()
    slug = slug or slugify(name)
    if not slug:
        raise ValidationError({"slug": "Give the team a slug of letters, digits or hyphens."})
    if Team.objects.filter(slug=slug).exists() or Team.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A team named {name!r} already exists."})
    group, _ = Group.objects.get_or_create(name=f"team:{slug}")
    team = Team(name=name, slug=slug, description=description, group=group)
    team.full_clean(exclude=["group"])
    stamp(team, actor=actor, reason=f"team created by {actor}")
    team.save()
    return team


def team_update(*, actor, team: Team, reason: str, **changes) -> Team:
    return _update(Team, TEAM_FIELDS, actor=actor, pk=team.pk, reason=reason, changes=changes)


def team_add_member(*, actor, team: Team, user, reason: str) -> None:
    _require_admin(actor)
    membership_add(actor=actor, user=user, group=team.group, reason=reason, label=team.name)


def team_remove_member(*, actor, team: Team, user, reason: str) -> None:
    _require_admin(actor)
    membership_remove(actor=actor, user=user, group=team.group, reason=reason, label=team.name)


def team_set_members(*, actor, team: Team, users: Iterable, reason: str) -> None:
    """Make the members exactly `users` (Django admin's member picker), one change per person."""
    _require_admin(actor)
    wanted = {u.pk: u for u in users}
    current = {u.pk: u for u in team.group.user_set.all()}
    with transaction.atomic():
        for pk in wanted.keys() - current.keys():
            team_add_member(actor=actor, team=team, user=wanted[pk], reason=reason)
        for pk in current.keys() - wanted.keys():
            team_remove_member(actor=actor, team=team, user=current[pk], reason=reason)


# --- platforms ----------------------------------------------------------------------------
@transaction.atomic
def platform_create(
    *,
    actor,
    name: str,
    kind: str,
    owning_team: Team | None = None,
    slug: str = "",
    description: str = "",
) -> Platform:
    _require_admin(actor)
    name = name.strip()
    slug = slug or slugify(name)
    if Platform.objects.filter(slug=slug).exists() or Platform.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A platform named {name!r} already exists."})
    platform = Platform(
        name=name, slug=slug, kind=kind, owning_team=owning_team, description=description
    )
    platform.full_clean()
    stamp(platform, actor=actor, reason=f"platform created by {actor}")
    platform.save()
    return platform


def platform_update(*, actor, platform: Platform, reason: str, **changes) -> Platform:
    return _update(
        Platform, PLATFORM_FIELDS, actor=actor, pk=platform.pk, reason=reason, changes=changes
    )


# --- helpers ------------------------------------------------------------------------------
def _update(model, allowed, *, actor, pk, reason: str, changes: dict):
    """Change `allowed` fields of one row under its lock, with the reason in history; a
    change to nothing is no change (no history row)."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: it is kept in the history."})
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        row = model.objects.select_for_update().get(pk=pk)
        changed = [n for n, v in changes.items() if getattr(row, n) != v]
        if not changed:
            return row
        for name in changed:
            setattr(row, name, changes[name])
        row.full_clean(exclude=[f.name for f in model._meta.fields if f.name not in changed])
        stamp(row, actor=actor, reason=f"{', '.join(changed)} changed by {actor}: {reason}")
        row.save()
    return row


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied("Only admins manage teams and platforms.")
