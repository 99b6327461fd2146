"""Every governance page and endpoint, for each persona, in and out of scope."""

import pytest
from django.urls import reverse

from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory
from tests.matrix import api_test, page_tests

pytestmark = pytest.mark.django_db

READERS = {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 200, "outsider": 403}
ADMIN_ONLY = {"admin_user": 200, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}
# identity objects: the engineer's team owns `mine`; `owner` is in no team, `outsider` no role
IN_SCOPE = {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 404, "outsider": 404}
OUT_OF_SCOPE = {"admin_user": 200, "auditor": 200, "engineer": 404, "owner": 404, "outsider": 404}
OVERRIDE_POST = {"admin_user": 200, "auditor": 403, "engineer": 403, "owner": 404, "outsider": 404}


@pytest.fixture
def world(domains, engineer):
    team = TeamFactory(members=[engineer])
    mine = IdentityFactory(team=team)
    other = IdentityFactory()
    a = AssignmentFactory(domain=domains["identity"], role="R", assignee_user=UserFactory())
    return {"domains": domains, "team": team, "mine": mine, "other": other, "assignment": a}


def cell_url(w, edit=False):
    url = reverse(
        "governance:matrix-cell", args=[w["domains"]["identity"].pk, "team", w["team"].pk]
    )
    return url + ("?edit=1" if edit else "")


def post_assignment(w, persona_user):
    return {"role": "C", "assignee_user": str(UserFactory().pk), "reason": "matrix test"}


PAGES = [
    ("matrix", "get", lambda w: reverse("governance:matrix"), None, READERS),
    ("cell", "get", cell_url, None, READERS),
    ("cell-edit", "get", lambda w: cell_url(w, edit=True), None, ADMIN_ONLY),
    ("cell-add", "post", cell_url, post_assignment, ADMIN_ONLY),
    ("export", "get", lambda w: reverse("governance:matrix-export"), None, READERS),
    (
        "export-as-of",
        "get",
        lambda w: reverse("governance:matrix-export") + "?as_of=2020-01-01",
        None,
        READERS,
    ),
    ("gaps", "get", lambda w: reverse("governance:gaps"), None, READERS),
    (
        "gaps-filtered",
        "get",
        lambda w: reverse("governance:gaps") + f"?domain=identity&team={w['team'].slug}",
        None,
        READERS,
    ),
    ("panel", "get", lambda w: reverse("governance:dashboard-panel"), None, READERS),
    (
        "owners-in",
        "get",
        lambda w: reverse("governance:identity-owners", args=[w["mine"].pk]),
        None,
        IN_SCOPE,
    ),
    (
        "owners-out",
        "get",
        lambda w: reverse("governance:identity-owners", args=[w["other"].pk]),
        None,
        OUT_OF_SCOPE,
    ),
    (
        "owners-override",
        "post",
        lambda w: reverse("governance:identity-owners", args=[w["mine"].pk]),
        lambda w, u: {
            "domain": "engineering",
            "role": "I",
            "assignee_user": str(u.pk),
            "reason": "override",
        },
        OVERRIDE_POST,
    ),
    (
        "remove",
        "post",
        lambda w: reverse("governance:assignment-remove", args=[w["assignment"].pk]),
        lambda w, u: {"reason": "cleanup"},
        ADMIN_ONLY,
    ),
]


test_pages, test_pages_anonymous_redirects_to_login = page_tests(PAGES)

API_READERS = {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 200, "outsider": 403}
API_CREATE = {"admin_user": 201, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}
API_DELETE = {"admin_user": 204, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}

ENDPOINTS = [
    ("domains", "get", lambda w: "/api/v1/ownership/domains/", None, API_READERS),
    ("domain", "get", lambda w: "/api/v1/ownership/domains/identity/", None, API_READERS),
    (
        "domain-create",
        "post",
        lambda w: "/api/v1/ownership/domains/",
        lambda w: {"key": "ai_safety", "name": "AI safety", "reason": "new risk"},
        API_CREATE,
    ),
    (
        "assignments",
        "get",
        lambda w: "/api/v1/ownership/assignments/?domain=identity",
        None,
        API_READERS,
    ),
    (
        "assignment",
        "get",
        lambda w: f"/api/v1/ownership/assignments/{w['assignment'].pk}/",
        None,
        API_READERS,
    ),
    (
        "assignment-create",
        "post",
        lambda w: "/api/v1/ownership/assignments/",
        lambda w: {
            "domain": "identity",
            "scope_kind": "team",
            "scope_id": w["team"].pk,
            "role": "A",
            "assignee_user": UserFactory().pk,
            "reason": "api",
        },
        API_CREATE,
    ),
    (
        "assignment-delete",
        "delete",
        lambda w: f"/api/v1/ownership/assignments/{w['assignment'].pk}/?reason=cleanup",
        None,
        API_DELETE,
    ),
    (
        "owners-in",
        "get",
        lambda w: f"/api/v1/ownership/identities/{w['mine'].pk}/owners/",
        None,
        IN_SCOPE,
    ),
    (
        "owners-out",
        "get",
        lambda w: f"/api/v1/ownership/identities/{w['other'].pk}/owners/",
        None,
        OUT_OF_SCOPE,
    ),
    ("gaps", "get", lambda w: "/api/v1/ownership/gaps/?domain=consumption", None, API_READERS),
]


test_api = api_test(ENDPOINTS)


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_api_anonymous_is_refused(api_client, world, name, method, url, data, expected):
    response = getattr(api_client, method)(url(world), format="json")
    assert response.status_code in (401, 403)
