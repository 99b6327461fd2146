"""Teams (with members) and platforms in the app: admins change them, every change with a
reason and history; auditors read; engineers, owners and outsiders are refused (403, never
500); bad input is shown on the form and keeps what was typed; lists stay query-bounded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.models import AccountChange
from identities import directory
from identities.models import Platform, Team
from tests.conftest import PERSONAS
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

READERS = {"admin_user": 200, "auditor": 200, "engineer": 403, "owner": 403, "outsider": 403}


@pytest.fixture
def team(engineer):
    return TeamFactory(name="Payments", slug="payments", members=[engineer])


@pytest.fixture
def platform(team):
    return PlatformFactory(name="Production EKS", slug="prod-eks", owning_team=team)


# --- services -------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["auditor", "engineer", "owner", "outsider"])
def test_only_admins_change_teams_members_and_platforms(request, who, team, platform):
    actor = request.getfixturevalue(who)
    calls = [
        lambda: directory.team_create(actor=actor, name="Search"),
        lambda: directory.team_update(actor=actor, team=team, reason="x", name="Pay"),
        lambda: directory.team_add_member(actor=actor, team=team, user=actor, reason="x"),
        lambda: directory.platform_create(actor=actor, name="GKE", kind="kubernetes"),
        lambda: directory.platform_update(actor=actor, platform=platform, reason="x", kind="aws"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not AccountChange.objects.exists()
    assert Team.objects.get(pk=team.pk).name == "Payments"


def test_membership_changes_are_recorded_with_who_and_why(admin_user, team, engineer):
    newcomer = UserFactory(username="nia-new")
    directory.team_add_member(actor=admin_user, team=team, user=newcomer, reason="joins payments")
    directory.team_remove_member(actor=admin_user, team=team, user=engineer, reason="moved team")
    assert set(team.group.user_set.all()) == {newcomer}
    rows = AccountChange.objects.order_by("id")
    assert list(rows.values_list("user", "kind", "group_name", "actor", "reason")) == [
        (newcomer.pk, "joined", "Payments", admin_user.pk, "joins payments"),
        (engineer.pk, "left", "Payments", admin_user.pk, "moved team"),
    ]
    assert AccountChange.history.count() == 2  # chained into the ledger through history


def test_adding_a_member_twice_or_without_a_reason_is_refused(admin_user, team, engineer):
    with pytest.raises(ValidationError, match="already in Payments"):
        directory.team_add_member(actor=admin_user, team=team, user=engineer, reason="again")
    with pytest.raises(ValidationError, match="reason"):
        directory.team_add_member(actor=admin_user, team=team, user=UserFactory(), reason=" ")


def test_a_team_change_is_a_history_row_with_its_reason_and_a_no_op_is_none(admin_user, team):
    directory.team_update(actor=admin_user, team=team, reason="rename", name="Payments core")
    latest = team.history.latest()
    assert (latest.name, latest.history_user) == ("Payments core", admin_user)
    assert (
        "name changed" in latest.history_change_reason and "rename" in latest.history_change_reason
    )
    count = team.history.count()
    directory.team_update(actor=admin_user, team=team, reason="again", name="Payments core")
    assert team.history.count() == count
    with pytest.raises(ValidationError, match="cannot be changed"):
        directory.team_update(actor=admin_user, team=team, reason="x", slug="other")


def test_a_platform_name_must_be_unique(admin_user, platform):
    with pytest.raises(ValidationError):
        directory.platform_create(actor=admin_user, name="Production EKS", kind="aws")
    other = PlatformFactory(name="Staging", slug="staging")
    with pytest.raises(ValidationError, match="name"):
        directory.platform_update(
            actor=admin_user, platform=other, reason="x", name="Production EKS"
        )


# --- pages ----------------------------------------------------------------------------------
@pytest.mark.parametrize("who", PERSONAS)
def test_directory_pages_by_persona(client, request, who, team, platform):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("identities:teams"),
        team.get_absolute_url(),
        reverse("identities:platforms"),
        platform.get_absolute_url(),
    ):
        assert client.get(url).status_code == READERS[who], url
    writer = 200 if who == "admin_user" else 403
    for url in (
        reverse("identities:team-new"),
        reverse("identities:team-edit", args=[team.pk]),
        reverse("identities:platform-new"),
        reverse("identities:platform-edit", args=[platform.pk]),
    ):
        assert client.get(url).status_code == writer, url


@pytest.mark.parametrize("who", ["auditor", "engineer", "owner", "outsider"])
def test_non_admins_cannot_write_through_the_pages(client, request, who, team, platform, engineer):
    client.force_login(request.getfixturevalue(who))
    newcomer = UserFactory()
    posts = [
        (reverse("identities:team-new"), {"name": "Search", "description": ""}),
        (team.get_absolute_url(), {"user": newcomer.pk, "reason": "x"}),
        (reverse("identities:team-member-remove", args=[team.pk, engineer.pk]), {"reason": "x"}),
        (reverse("identities:platform-new"), {"name": "GKE", "kind": "kubernetes"}),
        (reverse("identities:platform-edit", args=[platform.pk]), {"name": "X", "kind": "aws",
                                                                   "reason": "x"}),
    ]  # fmt: skip
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert set(team.group.user_set.all()) == {engineer}
    assert not Team.objects.filter(name="Search").exists()
    assert Platform.objects.get(pk=platform.pk).name == "Production EKS"


def test_admin_adds_and_removes_a_member_through_the_team_page(client, admin_user, team, engineer):
    client.force_login(admin_user)
    newcomer = UserFactory(username="nia-new", first_name="Nia", last_name="New")
    response = client.post(team.get_absolute_url(), {"user": newcomer.pk, "reason": "new hire"})
    assert response.status_code == 302
    page = client.get(team.get_absolute_url()).content.decode()
    assert "Nia New" in page and "new hire" in page
    remove = reverse("identities:team-member-remove", args=[team.pk, engineer.pk])
    assert client.post(remove, {"reason": "moved to search"}).status_code == 302
    assert set(team.group.user_set.all()) == {newcomer}


def test_a_member_form_without_a_reason_keeps_the_choice(client, admin_user, team):
    client.force_login(admin_user)
    newcomer = UserFactory(username="nia-new")
    response = client.post(team.get_absolute_url(), {"user": newcomer.pk, "reason": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required" in html
    assert f'value="{newcomer.pk}" selected' in html
    assert not team.group.user_set.filter(pk=newcomer.pk).exists()


def test_admin_creates_a_platform_and_a_duplicate_is_shown_on_the_form(client, admin_user, team):
    client.force_login(admin_user)
    data = {"name": "Prod GKE", "kind": "gcp", "owning_team": team.pk, "description": "EU"}
    response = client.post(reverse("identities:platform-new"), data)
    created = Platform.objects.get(name="Prod GKE")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert (created.slug, created.owning_team) == ("prod-gke", team)
    again = client.post(reverse("identities:platform-new"), data)
    assert again.status_code == 422
    assert (
        "already exists" in again.content.decode() and 'value="Prod GKE"' in again.content.decode()
    )


def test_a_platform_edit_needs_a_reason_and_is_kept_in_history(client, admin_user, platform):
    client.force_login(admin_user)
    edit = reverse("identities:platform-edit", args=[platform.pk])
    data = {"name": "Prod EKS", "kind": "kubernetes", "description": ""}
    assert client.post(edit, data).status_code == 422
    assert client.post(edit, {**data, "reason": "shorter name"}).status_code == 302
    page = client.get(platform.get_absolute_url()).content.decode()
    assert "Prod EKS" in page and "shorter name" in page


def test_directory_lists_stay_within_their_query_bounds(
    client, admin_user, django_assert_max_num_queries
):
    for _n in range(15):
        team = TeamFactory(members=[UserFactory(), UserFactory()])
        IdentityFactory(team=team, platform=PlatformFactory(owning_team=team))
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("identities:teams")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("identities:platforms")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(team.get_absolute_url()).status_code == 200


def test_a_write_without_the_csrf_token_is_refused(admin_user, team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(reverse("identities:team-edit", args=[team.pk]),
                           {"name": "Renamed", "reason": "csrf"})  # fmt: skip
    assert response.status_code == 403
    assert Team.objects.get(pk=team.pk).name == "Payments"
