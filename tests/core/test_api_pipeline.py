"""Issue 17.8: what a pipeline needs from the API — the onboarding request it opened, numeric
ids, who am I and a user lookup, grants, owners as of a date, JSON 404s. Each with the
persona matrix (anonymous, wrong role, out of scope, right role) and bounded list queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import Assignment
from governance.services import permissions_sync
from tests.approvals_helpers import approved_exception
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(governed, engineer):
    team = TeamFactory(slug="payments", name="Payments", members=[engineer])
    mine = IdentityFactory(name="ledger-sync", team=team, status="active")
    other = IdentityFactory(name="hr-sync", team=TeamFactory(slug="hr"), status="active")
    permissions_sync()
    now = timezone.now()
    return {
        "team": team,
        "mine": mine,
        "grant": approved_exception(mine, now),
        "other_grant": approved_exception(other, now),
    }


def login(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


# --- POST identities returns the onboarding request; teams and platforms carry ids ---------
def test_onboarding_from_the_api_returns_the_request_it_opened(client, engineer, governed):
    team = TeamFactory(slug="payments", name="Payments", members=[engineer])
    platform = PlatformFactory(slug="prod-k8s", owning_team=team)
    client.force_login(engineer)
    body = {
        "name": "etl-runner", "kind": "workload", "external_id": "etl/runner",
        "team": "payments", "platform": "prod-k8s", "environment": "staging",
        "purpose": "Nightly ETL.", "entitlements": ["warehouse:write"],
    }  # fmt: skip
    response = client.post("/api/v1/identities/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    ref = data["onboarding_request"]
    assert ref["status"] == "pending" and ref["url"].endswith(f"/api/v1/requests/{ref['id']}/")
    assert client.get(ref["url"]).json()["identity"]["id"] == data["id"]
    assert data["team"]["id"] == team.pk and data["platform"]["id"] == platform.pk


def test_teams_and_platforms_carry_their_numeric_id(client, admin_user):
    team = TeamFactory(slug="payments")
    platform = PlatformFactory(slug="prod-k8s", owning_team=team)
    client.force_login(admin_user)
    teams = client.get("/api/v1/teams/").json()["results"]
    assert {"payments": team.pk}.items() <= {t["slug"]: t["id"] for t in teams}.items()
    detail = client.get("/api/v1/platforms/prod-k8s/").json()
    assert detail["id"] == platform.pk and detail["owning_team"]["id"] == team.pk


# --- me and users -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "code"),
    [("anonymous", 403), ("outsider", 200), ("engineer", 200), ("admin_user", 200)],
)
def test_me_says_who_is_signed_in(client, request, who, code):
    login(client, request, who)
    response = client.get("/api/v1/me/")
    assert response.status_code in ((401, 403) if code == 403 else (code,))
    if code == 200:
        assert response.json()["username"] == request.getfixturevalue(who).username


@pytest.mark.parametrize(
    ("who", "code"),
    [("anonymous", 403), ("outsider", 403), ("engineer", 200), ("auditor", 200),
     ("admin_user", 200)],
)  # fmt: skip
def test_users_lookup_by_username_for_scripting_the_raci(client, request, owner, who, code):
    login(client, request, who)
    response = client.get("/api/v1/users/", {"username": "OLU-OWNER"})
    assert response.status_code in ((401, 403) if code == 403 else (code,))
    if code == 200:
        assert [u["id"] for u in response.json()["results"]] == [owner.pk]


def test_users_list_is_bounded_in_queries(client, admin_user, django_assert_max_num_queries):
    UserFactory.create_batch(30)
    client.force_login(admin_user)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/users/").status_code == 200


# --- grants -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "mine", "other"),
    [("anonymous", None, None), ("outsider", 404, 404), ("engineer", 200, 404),
     ("auditor", 200, 200), ("admin_user", 200, 200)],
)  # fmt: skip
def test_grant_detail_is_scoped_like_requests(client, request, world, who, mine, other):
    login(client, request, who)
    first = client.get(f"/api/v1/grants/{world['grant'].pk}/")
    second = client.get(f"/api/v1/grants/{world['other_grant'].pk}/")
    if who == "anonymous":
        assert first.status_code in (401, 403) and second.status_code in (401, 403)
        return
    assert (first.status_code, second.status_code) == (mine, other)
    if mine == 200:
        assert first.json()["request"] == world["grant"].request_id


def test_grants_list_is_scoped_filtered_and_bounded(
    client, world, engineer, admin_user, django_assert_max_num_queries
):
    client.force_login(engineer)
    ids = [g["id"] for g in client.get("/api/v1/grants/").json()["results"]]
    assert ids == [world["grant"].pk]
    client.force_login(admin_user)
    for _ in range(5):
        approved_exception(world["mine"], timezone.now())
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/grants/", {"identity": world["mine"].pk})
    assert response.status_code == 200 and response.json()["count"] == 6
    assert client.get("/api/v1/grants/", {"status": "expired"}).json()["count"] == 0
    assert client.get("/api/v1/grants/", {"status": "bogus"}).status_code == 400


# --- owners as of a date ------------------------------------------------------------------------
def test_owners_answer_as_the_matrix_stood_on_a_date(client, world, admin_user, owner, governed):
    from governance.services import assignment_set

    successor = UserFactory(username="sam-successor")
    domain = governed["identity"]
    # the matrix two days ago: the owner was the A (its history row, dated back)
    a = Assignment.objects.get(domain=domain, scope_kind="global", role="A")
    Assignment.history.filter(id=a.pk).update(history_date=timezone.now() - timedelta(days=2))
    assignment_set(
        actor=admin_user, domain=domain, scope_kind="global", role="A",
        assignee_user=successor, replace=True, reason="handover",
    )  # fmt: skip
    client.force_login(admin_user)
    url = f"/api/v1/ownership/identities/{world['mine'].pk}/owners/"

    def a_of(params):
        body = client.get(url, params).json()
        return next(d for d in body["domains"] if d["domain"] == "identity")["accountable"]

    assert a_of({})["username"] == "sam-successor"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert a_of({"as_of": yesterday})["username"] == owner.username
    assert client.get(url, {"as_of": "last tuesday"}).status_code == 400


# --- JSON 404 ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v2/identities/", "/api/v1/grants/x/"])
def test_unknown_api_paths_answer_json_404(client, admin_user, path):
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "No such API endpoint."}


def test_unknown_api_paths_refuse_the_anonymous_like_every_endpoint(client):
    assert client.get("/api/v1/nope/").status_code in (401, 403)


def test_an_api_path_missing_its_slash_is_redirected_not_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/v1/grants", {"status": "active"})
    assert response.status_code == 301 and response["Location"] == "/api/v1/grants/?status=active"
