import pytest

from identities.models import Platform, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_admin_creates_team_with_members_through_the_service(superuser_client, engineer):
    response = superuser_client.post(
        "/admin/identities/team/add/",
        {"name": "Search", "slug": "search", "description": "", "members": [engineer.pk]},
    )
    assert response.status_code == 302, response.content
    team = Team.objects.get(slug="search")
    assert team.group.name == "team:search"
    assert list(team.group.user_set.all()) == [engineer]
    assert team.history.get().history_change_reason.startswith("team created by")


def test_admin_creates_platform_through_the_service(superuser_client):
    response = superuser_client.post(
        "/admin/identities/platform/add/",
        {"name": "EU cluster", "slug": "eu", "kind": "kubernetes"},
    )
    assert response.status_code == 302, response.content
    assert Platform.objects.get(slug="eu").history.get().history_change_reason


def test_registry_is_read_only_in_admin(superuser_client):
    assert superuser_client.get("/admin/identities/identity/add/").status_code == 403


def test_history_form_cannot_rewrite_the_registry(superuser_client):
    from tests.factories import IdentityFactory

    identity = IdentityFactory(purpose="original")
    record = identity.history.first()
    url = f"/admin/identities/identity/{identity.pk}/history/{record.history_id}/"
    form = superuser_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    response = superuser_client.post(url, {**data, "purpose": "rewritten"})
    identity.refresh_from_db()
    assert identity.purpose == "original"
    assert response.status_code == 403
