"""Writes for teams (membership is the team's Django group) and platforms: admins only."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from core.history import stamp
from core.roles import is_admin

from .models import Platform, Team


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied("Only admins manage teams and platforms.")


@transaction.atomic
def team_create(*, actor, name: str, slug: str = "", description: str = "") -> Team:
    _require_admin(actor)
    slug = slug or slugify(name)
    if not slug:
        raise ValidationError({"slug": "Give the team a slug of letters, digits or hyphens."})
    if Team.objects.filter(slug=slug).exists() or Team.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A team named {name!r} already exists."})
    group, _ = Group.objects.get_or_create(name=f"team:{slug}")
    team = Team(name=name, slug=slug, description=description, group=group)
    stamp(team, actor=actor, reason=f"team created by {actor}")
    team.save()
    return team


def team_set_members(*, actor, team: Team, users: Iterable) -> None:
    """Membership is the team's group; guardian grants made to the group follow it."""
    _require_admin(actor)
    team.group.user_set.set(list(users))


def team_add_member(*, actor, team: Team, user) -> None:
    _require_admin(actor)
    team.group.user_set.add(user)


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
