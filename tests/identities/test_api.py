"""Registry API behaviour: onboarding from a pipeline, updates, credential lifecycle,
filters shared with the pages, and lists that cost a bounded number of queries."""

import pytest

from core.services import api_token_create
from governance.services import permissions_sync
from identities.models import Credential, Identity, LifecycleEvent
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, TeamFactory
from tests.governance.factories import AssignmentFactory, default_domains

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(team):
    return PlatformFactory(slug="prod-k8s", name="Prod cluster", owning_team=team)


def onboarding(team, platform, **overrides):
    return {
        "name": "etl-runner",
        "kind": "workload",
        "external_id": "etl/runner",
        "team": team.slug,
        "platform": platform.slug,
        "environment": "staging",
        "purpose": "Nightly ETL of the ledger into the warehouse.",
        "entitlements": ["warehouse:write", "ledger:read"],
        "ends_on": "2099-01-31",
        **overrides,
    }


def test_pipeline_onboards_pending_identity_with_a_bearer_token(
    api_client, engineer, team, platform, governed
):
    _, raw = api_token_create(user=engineer, name="ci", days=7)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.post("/api/v1/identities/", onboarding(team, platform), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["team"] == {"id": team.pk, "slug": "payments", "name": "Payments"}
    assert body["platform"]["slug"] == "prod-k8s"
    assert body["entitlements"] == ["warehouse:write", "ledger:read"]
    assert body["links"]["self"].endswith(f"/api/v1/identities/{body['id']}/")
    identity = Identity.objects.get(pk=body["id"])
    assert identity.created_by == engineer
    event = LifecycleEvent.objects.get(identity=identity, kind="onboarded")
    assert event.details == {"source": "api"}
    assert identity.requests.get().kind == "onboarding"  # approvals opened its request
    assert identity.history.first().history_change_reason.startswith("registered via api")


def test_engineer_cannot_onboard_into_another_team(api_client, engineer, platform):
    other = TeamFactory(slug="search")
    api_client.force_authenticate(engineer)
    response = api_client.post("/api/v1/identities/", onboarding(other, platform), format="json")
    assert response.status_code == 403
    assert not Identity.objects.exists()


def test_onboarding_refuses_a_duplicate_external_id(api_client, engineer, team, platform, governed):
    IdentityFactory(team=team, platform=platform, external_id="etl/runner")
    api_client.force_authenticate(engineer)
    response = api_client.post("/api/v1/identities/", onboarding(team, platform), format="json")
    assert response.status_code == 400
    assert "already registered" in response.json()["external_id"][0]
    assert Identity.objects.count() == 1


def test_onboarding_refuses_a_status(api_client, engineer, team, platform):
    api_client.force_authenticate(engineer)
    body = onboarding(team, platform, status="active")
    assert api_client.post("/api/v1/identities/", body, format="json").status_code == 400


def test_patch_changes_details_and_records_the_change(api_client, engineer, team, platform):
    identity = IdentityFactory(team=team, platform=platform)
    api_client.force_authenticate(engineer)
    payload = {"risk_tier": "high", "entitlements": ["a:b"], "reason": "scope review"}
    url = f"/api/v1/identities/{identity.pk}/"
    # A team engineer changes details, but not the risk profile: that is the owners' call.
    assert api_client.patch(url, payload, format="json").status_code == 403
    AssignmentFactory(domain=default_domains()["identity"], scope_kind="identity",
                      identity=identity, role="R", assignee_user=engineer)  # fmt: skip
    permissions_sync(identity_ids=[identity.pk])
    response = api_client.patch(url, payload, format="json")
    assert response.status_code == 200, response.content
    identity.refresh_from_db()
    assert (identity.risk_tier, identity.entitlements) == ("high", ["a:b"])
    assert identity.history.first().history_change_reason == "scope review"


def test_patch_cannot_move_an_identity_out_of_the_engineers_teams(
    api_client, engineer, team, platform
):
    identity = IdentityFactory(team=team, platform=platform)
    other = TeamFactory(slug="search")
    api_client.force_authenticate(engineer)
    response = api_client.patch(
        f"/api/v1/identities/{identity.pk}/", {"team": other.slug}, format="json"
    )
    assert response.status_code == 403
    identity.refresh_from_db()
    assert identity.team == team


def test_put_and_delete_are_not_offered(api_client, admin_user):
    identity = IdentityFactory()
    api_client.force_authenticate(admin_user)
    assert api_client.put(f"/api/v1/identities/{identity.pk}/", {}).status_code == 405
    assert api_client.delete(f"/api/v1/identities/{identity.pk}/").status_code == 405


def test_credential_lifecycle_record_rotate_revoke(api_client, engineer, team, platform):
    identity = IdentityFactory(team=team, platform=platform)
    api_client.force_authenticate(engineer)
    recorded = api_client.post(
        f"/api/v1/identities/{identity.pk}/credentials/",
        {
            "kind": "access_key",
            "label": "deploy key",
            "key_id": "AKIAIOSFODNN7EXAMPLE",
            "storage_location": "vault:secret/data/etl/deploy",
            "fingerprint": "SHA256:abcd",
            "last_chars": "MPLE",
            "expires_at": "2099-01-01T00:00:00Z",
        },
        format="json",
    )
    assert recorded.status_code == 201, recorded.content
    old_id = recorded.json()["id"]
    assert recorded.json()["issued_by"] == engineer.username
    assert "secret" not in recorded.json() and "value" not in recorded.json()

    rotated = api_client.post(
        f"/api/v1/credentials/{old_id}/rotate/",
        {"fingerprint": "SHA256:ef01", "last_chars": "NEW1"},
        format="json",
    )
    assert rotated.status_code == 201, rotated.content
    new = rotated.json()
    assert new["replaces"] == old_id
    assert new["storage_location"] == "vault:secret/data/etl/deploy"
    assert Credential.objects.get(pk=old_id).status == "rotated"

    again = api_client.post(f"/api/v1/credentials/{old_id}/rotate/", {}, format="json")
    assert again.status_code == 400

    no_reason = api_client.post(f"/api/v1/credentials/{new['id']}/revoke/", {}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    revoked = api_client.post(
        f"/api/v1/credentials/{new['id']}/revoke/", {"reason": "leaked"}, format="json"
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_by"] == engineer.username

    listed = api_client.get(f"/api/v1/identities/{identity.pk}/credentials/").json()
    assert {row["status"] for row in listed["results"]} == {"rotated", "revoked"}


def test_identity_list_uses_the_page_filterset(api_client, admin_user, team, platform):
    IdentityFactory(team=team, platform=platform, name="alpha", status="active")
    IdentityFactory(team=team, platform=platform, name="beta", status="suspended")
    IdentityFactory(name="gamma", status="active")
    api_client.force_authenticate(admin_user)
    response = api_client.get(
        "/api/v1/identities/", {"team": "payments", "status": "active", "ordering": "-name"}
    )
    assert [row["name"] for row in response.json()["results"]] == ["alpha"]
    searched = api_client.get("/api/v1/identities/", {"q": "gam"}).json()["results"]
    assert [row["name"] for row in searched] == ["gamma"]
    bad = api_client.get("/api/v1/identities/", {"status": "nonsense"})
    assert bad.status_code == 400


def test_credential_list_filters_by_status(api_client, admin_user):
    CredentialFactory(status="active")
    revoked = CredentialFactory(status="revoked")
    api_client.force_authenticate(admin_user)
    rows = api_client.get("/api/v1/credentials/", {"status": "revoked"}).json()["results"]
    assert [row["id"] for row in rows] == [revoked.pk]


def test_admin_creates_team_and_platform(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    team = api_client.post("/api/v1/teams/", {"name": "Data Platform"}, format="json")
    assert team.status_code == 201
    assert team.json()["slug"] == "data-platform"
    platform = api_client.post(
        "/api/v1/platforms/",
        {"name": "AWS prod", "kind": "aws", "owning_team": "data-platform"},
        format="json",
    )
    assert platform.status_code == 201, platform.content
    owning = platform.json()["owning_team"]
    assert owning == {"id": owning["id"], "slug": "data-platform", "name": "Data Platform"}
    duplicate = api_client.post("/api/v1/teams/", {"name": "Data Platform"}, format="json")
    assert duplicate.status_code == 400


# --- query counts -----------------------------------------------------------------------
LIST_QUERY_BOUND = 8


@pytest.fixture
def many(admin_user):
    teams = [TeamFactory() for _ in range(3)]
    platforms = [PlatformFactory(owning_team=teams[i]) for i in range(3)]
    identities = [IdentityFactory(team=teams[i % 3], platform=platforms[i % 3]) for i in range(60)]
    for identity in identities:
        CredentialFactory(identity=identity, issued_by=admin_user)
        CredentialFactory(identity=identity, issued_by=admin_user, revoked_by=admin_user)
    return identities


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/identities/",
        "/api/v1/credentials/",
        "/api/v1/teams/",
        "/api/v1/platforms/",
        "identity-credentials",
    ],
)
@pytest.mark.parametrize("persona", ["admin_user", "engineer"])
def test_lists_run_a_bounded_number_of_queries_whatever_the_page_size(
    request, api_client, django_assert_max_num_queries, many, url, persona
):
    user = request.getfixturevalue(persona)
    many[0].team.group.user_set.add(user)
    if url == "identity-credentials":
        for _ in range(60):
            CredentialFactory(identity=many[0])
        url = f"/api/v1/identities/{many[0].pk}/credentials/"
    api_client.force_authenticate(user)
    sizes = {}
    for page_size in (5, 100):
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            response = api_client.get(url, {"page_size": page_size})
        assert response.status_code == 200
        sizes[page_size] = len(response.json()["results"])
    assert sizes[100] > sizes[5] or sizes[5] < 5


@pytest.mark.parametrize("persona", ["admin_user", "engineer"])
def test_details_run_a_bounded_number_of_queries(
    request, api_client, django_assert_max_num_queries, many, persona
):
    user = request.getfixturevalue(persona)
    many[0].team.group.user_set.add(user)
    credential = many[0].credentials.first()
    api_client.force_authenticate(user)
    for url in (f"/api/v1/identities/{many[0].pk}/", f"/api/v1/credentials/{credential.pk}/"):
        with django_assert_max_num_queries(6):
            assert api_client.get(url).status_code == 200


def test_team_name_without_letters_needs_a_slug(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.post("/api/v1/teams/", {"name": "\U0001f680"}, format="json")
    assert response.status_code == 400
    assert "slug" in response.json()


def test_schema_and_swagger_ui_are_served_locally(api_client, engineer):
    api_client.force_authenticate(engineer)
    schema = api_client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/identities/", "/api/v1/credentials/{id}/revoke/"} <= set(paths)
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html
