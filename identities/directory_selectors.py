"""Reads for the directory pages (admins change, auditors read): teams with their members and
counts, platforms, each with its recent history. A bounded number of queries per page."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from core.models import AccountChange
from core.roles import can_read_all

from .models import Identity, Platform, Team

HISTORY_ROWS = 20


def _counted(qs, model, fk: str, name: str):
    """Annotate `name`: how many `model` rows point here through `fk` (a subquery, so two
    counts do not multiply each other's joins)."""
    counts = (
        model.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(**{name: Coalesce(Subquery(counts, output_field=IntegerField()), 0)})


def _require_reader(user) -> None:
    if not can_read_all(user):
        raise PermissionDenied


def team_list(*, user):
    _require_reader(user)
    users = get_user_model().groups.through
    teams = _counted(Team.objects.all(), Identity, "team", "identity_count")
    members = (
        users.objects.filter(group_id=OuterRef("group_id"), user__is_active=True)
        .order_by()
        .values("group_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return teams.annotate(
        member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0)
    ).order_by("name")


def team_get(*, user, pk) -> Team:
    _require_reader(user)
    try:
        return Team.objects.select_related("group").get(pk=pk)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("No such team.") from None


def team_members(*, team: Team):
    """Members with their groups (for role labels), in one prefetch."""
    return team.group.user_set.order_by("-is_active", "username").prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name"))
    )


def team_member_candidates(*, team: Team):
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(groups=team.group)
        .order_by("first_name", "last_name", "username")
    )


def team_membership_changes(*, team: Team):
    return AccountChange.objects.filter(group=team.group).select_related("user", "actor")[
        :HISTORY_ROWS
    ]


def team_history(*, team: Team):
    return team.history.select_related("history_user").order_by("-history_id")[:HISTORY_ROWS]


def platform_list(*, user):
    _require_reader(user)
    return _counted(
        Platform.objects.select_related("owning_team"), Identity, "platform", "identity_count"
    ).order_by("name")


def platform_get(*, user, pk) -> Platform:
    _require_reader(user)
    try:
        return Platform.objects.select_related("owning_team").get(pk=pk)
    except (Platform.DoesNotExist, ValueError, TypeError):
        raise Http404("No such platform.") from None


def platform_history(*, platform: Platform):
    return platform.history.select_related("history_user").order_by("-history_id")[:HISTORY_ROWS]
