"""Permission matrix for the registry API: personas, every endpoint, in / out of scope.

Admins do everything; auditors read everything and change nothing (403); engineers read and
onboard in their teams; an owner holds RACI-materialised object permissions on one identity;
an outsider sees nothing (empty lists, 404 on objects). Anonymous callers get a 401.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission

from identities.models import (
    Credential,
    Identity,
    IdentityUserObjectPermission,
    LifecycleEvent,
    Platform,
    Team,
)
from tests.conftest import PERSONAS
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db

SCOPES = ("in", "out")


def grant(user, identity, *codenames):
    for codename in codenames:
        IdentityUserObjectPermission.objects.create(
            user=user,
            content_object=identity,
            permission=Permission.objects.get(
                content_type__app_label="identities", codename=codename
            ),
        )


@dataclass
class World:
    team: dict
    platform: Platform
    identity: dict
    credential: dict
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(admin_user, auditor, engineer, owner, outsider, governed):
    team_in = TeamFactory(slug="payments", name="Payments", members=[engineer])
    team_out = TeamFactory(slug="search", name="Search")
    platform = PlatformFactory(slug="prod-k8s", name="Prod cluster", owning_team=team_in)
    identity_in = IdentityFactory(team=team_in, platform=platform, name="ledger-sync")
    identity_out = IdentityFactory(team=team_out, platform=platform, name="indexer")
    grant(owner, identity_in, "view_identity", "change_identity")
    return World(
        team={"in": team_in, "out": team_out},
        platform=platform,
        identity={"in": identity_in, "out": identity_out},
        credential={
            "in": CredentialFactory(identity=identity_in),
            "out": CredentialFactory(identity=identity_out),
        },
    )


def read_identity(ok=200):
    return {
        "in": {"admin_user": ok, "auditor": ok, "engineer": ok, "owner": ok, "outsider": 404},
        "out": {"admin_user": ok, "auditor": ok, "engineer": 404, "owner": 404, "outsider": 404},
    }


def change_identity(ok):
    return {
        "in": {"admin_user": ok, "auditor": 403, "engineer": ok, "owner": ok, "outsider": 404},
        "out": {"admin_user": ok, "auditor": 403, "engineer": 404, "owner": 404, "outsider": 404},
    }


ONBOARD = {
    "in": {"admin_user": 201, "auditor": 403, "engineer": 201, "owner": 403, "outsider": 403},
    "out": {"admin_user": 201, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403},
}
ADMIN_CREATES = {
    scope: {"admin_user": 201, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}
    for scope in SCOPES
}
DIRECTORY_READ = {
    scope: {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 200, "outsider": 404}
    for scope in SCOPES
}


def identity_payload(w: World, scope: str) -> dict:
    return {
        "name": "etl-runner",
        "kind": "workload",
        "external_id": f"etl/runner-{scope}",
        "team": w.team[scope].slug,
        "platform": w.platform.slug,
        "environment": "staging",
        "purpose": "Nightly ETL of the ledger into the warehouse.",
        "risk_tier": "low",
        "entitlements": ["warehouse:write"],
    }


# name → (method, url(world, scope), payload(world, scope), expected[scope][persona])
ENDPOINTS = {
    "identity-detail": (
        "get",
        lambda w, sc: f"/api/v1/identities/{w.identity[sc].pk}/",
        None,
        read_identity(),
    ),
    "identity-update": (
        "patch",
        lambda w, sc: f"/api/v1/identities/{w.identity[sc].pk}/",
        lambda w, sc: {"purpose": "Syncs the ledger nightly.", "name": "ledger-nightly"},
        change_identity(200),
    ),
    "identity-create": ("post", lambda w, sc: "/api/v1/identities/", identity_payload, ONBOARD),
    "identity-credentials": (
        "get",
        lambda w, sc: f"/api/v1/identities/{w.identity[sc].pk}/credentials/",
        None,
        read_identity(),
    ),
    "identity-credential-record": (
        "post",
        lambda w, sc: f"/api/v1/identities/{w.identity[sc].pk}/credentials/",
        lambda w, sc: {
            "kind": "api_key",
            "label": "deploy key",
            "storage_location": "vault:secret/data/ledger/deploy",
            "fingerprint": "SHA256:9f86d081884c7d659a2feaa0c55ad015",
            "last_chars": "x9Qz",
        },
        change_identity(201),
    ),
    "credential-detail": (
        "get",
        lambda w, sc: f"/api/v1/credentials/{w.credential[sc].pk}/",
        None,
        read_identity(),
    ),
    "credential-rotate": (
        "post",
        lambda w, sc: f"/api/v1/credentials/{w.credential[sc].pk}/rotate/",
        lambda w, sc: {"fingerprint": "SHA256:2c26b46b68ffc68f", "last_chars": "k2"},
        change_identity(201),
    ),
    "credential-revoke": (
        "post",
        lambda w, sc: f"/api/v1/credentials/{w.credential[sc].pk}/revoke/",
        lambda w, sc: {"reason": "Leaked into a build log."},
        change_identity(200),
    ),
    "team-detail": (
        "get",
        lambda w, sc: f"/api/v1/teams/{w.team[sc].slug}/",
        None,
        DIRECTORY_READ,
    ),
    "team-create": (
        "post",
        lambda w, sc: "/api/v1/teams/",
        lambda w, sc: {"name": f"Data {sc}", "description": "Warehouse and ETL."},
        ADMIN_CREATES,
    ),
    "platform-detail": (
        "get",
        lambda w, sc: f"/api/v1/platforms/{w.platform.slug}/",
        None,
        DIRECTORY_READ,
    ),
    "platform-create": (
        "post",
        lambda w, sc: "/api/v1/platforms/",
        lambda w, sc: {"name": f"AWS {sc}", "kind": "aws", "owning_team": w.team[sc].slug},
        ADMIN_CREATES,
    ),
}

# list endpoint → what each persona sees, by scope label
LISTS = {
    "/api/v1/identities/": ("identity", lambda row: row["id"]),
    "/api/v1/credentials/": ("credential", lambda row: row["id"]),
    "/api/v1/teams/": ("team", lambda row: row["slug"]),
}
LIST_VISIBLE = {
    "identity": {
        "admin_user": {"in", "out"},
        "auditor": {"in", "out"},
        "engineer": {"in"},
        "owner": {"in"},
        "outsider": set(),
    },
    "team": {
        "admin_user": {"in", "out"},
        "auditor": {"in", "out"},
        "engineer": {"in", "out"},
        "owner": {"in", "out"},
        "outsider": set(),
    },
}
LIST_VISIBLE["credential"] = LIST_VISIBLE["identity"]


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Identity, Credential, LifecycleEvent, Team, Platform)
    }


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_permission_matrix(request, api_client, world, persona, scope, endpoint):
    method, url, payload, expected = ENDPOINTS[endpoint]
    api_client.force_authenticate(request.getfixturevalue(persona))
    before = counts()
    data = payload(world, scope) if payload else None
    response = getattr(api_client, method)(url(world, scope), data, format="json")
    assert response.status_code == expected[scope][persona], response.content
    if response.status_code >= 400:
        assert counts() == before, "a refused request must change nothing"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", list(LISTS))
def test_lists_show_only_what_is_in_scope(request, api_client, world, persona, url):
    label, key = LISTS[url]
    objects = getattr(world, label)
    api_client.force_authenticate(request.getfixturevalue(persona))
    response = api_client.get(url)
    assert response.status_code == 200
    seen = {key(row) for row in response.json()["results"]}
    expected = {
        getattr(objects[scope], "slug", None) or objects[scope].pk
        for scope in LIST_VISIBLE[label][persona]
    }
    assert seen == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_platform_list_is_directory_data_for_role_holders(request, api_client, world, persona):
    api_client.force_authenticate(request.getfixturevalue(persona))
    response = api_client.get("/api/v1/platforms/")
    assert response.status_code == 200
    expected = set() if persona == "outsider" else {world.platform.slug}
    assert {row["slug"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_anonymous_caller_is_refused_everywhere(api_client, world, scope, endpoint):
    method, url, payload, _ = ENDPOINTS[endpoint]
    data = payload(world, scope) if payload else None
    response = getattr(api_client, method)(url(world, scope), data, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/platforms/"])
def test_anonymous_caller_gets_no_list(api_client, world, url):
    assert api_client.get(url).status_code == 401
