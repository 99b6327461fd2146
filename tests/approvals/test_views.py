"""Every approvals page and endpoint for each persona, in and out of scope."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.approvals.factories import EXCEPTION_FIELDS
from tests.conftest import PERSONAS
from tests.matrix import api_test, page_tests

pytestmark = pytest.mark.django_db


ALL = dict.fromkeys(PERSONAS, 200)
READ_IN = {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 200, "outsider": 404}
READ_OUT = {"admin_user": 200, "auditor": 200, "engineer": 404, "owner": 404, "outsider": 404}
REQUESTERS = {"admin_user": 200, "auditor": 403, "engineer": 200, "owner": 404, "outsider": 403}
REQUEST_POST = {"admin_user": 302, "auditor": 403, "engineer": 302, "owner": 404, "outsider": 403}
IDENTITY_PANEL = {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 404, "outsider": 404}
ONBOARDERS = {"admin_user": 200, "auditor": 403, "engineer": 200, "owner": 200, "outsider": 403}
# decide: only the effective A (owner); the requester and everyone else in scope is refused
DECIDE_IN = {"admin_user": 403, "auditor": 403, "engineer": 403, "owner": 302, "outsider": 404}
DECIDE_OUT = {"admin_user": 403, "auditor": 403, "engineer": 404, "owner": 404, "outsider": 404}
REVOKE = {"admin_user": 302, "auditor": 403, "engineer": 302, "owner": 302, "outsider": 404}
REVIEW = {"admin_user": 403, "auditor": 403, "engineer": 403, "owner": 302, "outsider": 404}
RENEW = {"admin_user": 302, "auditor": 403, "engineer": 302, "owner": 403, "outsider": 404}


def exception_form(w, user):
    return {**EXCEPTION_FIELDS, "until": timezone.now() + timezone.timedelta(days=5)}


PAGES = [
    ("inbox", "get", lambda w: reverse("approvals:inbox"), None, ALL),
    ("inbox-mine", "get", lambda w: reverse("approvals:inbox") + "?box=mine", None, ALL),
    ("inbox-all", "get", lambda w: reverse("approvals:inbox") + "?box=all", None, ALL),
    (
        "request-in",
        "get",
        lambda w: reverse("approvals:request", args=[w["pending"].pk]),
        None,
        READ_IN,
    ),
    (
        "request-out",
        "get",
        lambda w: reverse("approvals:request", args=[w["other_req"].pk]),
        None,
        READ_OUT,
    ),
    (
        "decide-in",
        "post",
        lambda w: reverse("approvals:decide", args=[w["pending"].pk]),
        lambda w, u: {"outcome": "approve", "comment": "ok"},
        DECIDE_IN,
    ),
    (
        "decide-out",
        "post",
        lambda w: reverse("approvals:decide", args=[w["other_req"].pk]),
        lambda w, u: {"outcome": "approve"},
        DECIDE_OUT,
    ),
    (
        "new-exception",
        "get",
        lambda w: reverse("approvals:new-request", args=[w["mine"].pk, "exception"]),
        None,
        REQUESTERS,
    ),
    (
        "new-exception-out",
        "get",
        lambda w: reverse("approvals:new-request", args=[w["other"].pk, "exception"]),
        None,
        {**REQUESTERS, "engineer": 404},
    ),
    (
        "new-exception-post",
        "post",
        lambda w: reverse("approvals:new-request", args=[w["mine"].pk, "exception"]),
        exception_form,
        REQUEST_POST,
    ),
    (
        "new-emergency-post",
        "post",
        lambda w: reverse("approvals:new-request", args=[w["calm"].pk, "emergency"]),
        lambda w, u: {
            "access_requested": "db read",
            "justification": "outage",
            "incident_reference": "INC-1",
            "duration_hours": "1",
        },
        REQUEST_POST,
    ),
    (
        "revoke-form",
        "get",
        lambda w: reverse("approvals:grant-action", args=[w["grant"].pk, "revoke"]),
        None,
        READ_IN,
    ),
    (
        "revoke",
        "post",
        lambda w: reverse("approvals:grant-action", args=[w["grant"].pk, "revoke"]),
        lambda w, u: {"reason": "done"},
        REVOKE,
    ),
    (
        "review",
        "post",
        lambda w: reverse("approvals:grant-action", args=[w["emergency"].pk, "review"]),
        lambda w, u: {"notes": "used as asked"},
        REVIEW,
    ),
    (
        "renew",
        "post",
        lambda w: reverse("approvals:grant-action", args=[w["grant"].pk, "renew"]),
        lambda w, u: {"justification": "still needed", "duration_hours": "24"},
        RENEW,
    ),
    (
        "identity-panel",
        "get",
        lambda w: reverse("approvals:identity-panel", args=[w["mine"].pk]),
        None,
        IDENTITY_PANEL,
    ),
    ("dashboard-panel", "get", lambda w: reverse("approvals:dashboard-panel"), None, ALL),
    ("onboard", "get", lambda w: reverse("approvals:onboard"), None, ONBOARDERS),
]


test_pages, test_pages_anonymous_redirect_to_login = page_tests(PAGES)


# --- API matrix -----------------------------------------------------------------------------
API_CREATE = {"admin_user": 201, "auditor": 403, "engineer": 201, "owner": 404, "outsider": 404}
API_DECIDE_IN = {**DECIDE_IN, "owner": 200}
API_REVOKE = {**REVOKE, "admin_user": 200, "engineer": 200, "owner": 200}
# the owner may not see the identity's credentials (its A of runtime policy only)
API_LINK = {"admin_user": 201, "auditor": 403, "engineer": 201, "owner": 404, "outsider": 404}

ENDPOINTS = [
    ("list", "get", lambda w: "/api/v1/requests/", None, ALL),
    ("list-waiting", "get", lambda w: "/api/v1/requests/?box=waiting", None, ALL),
    (
        "create",
        "post",
        lambda w: "/api/v1/requests/",
        lambda w: {"kind": "exception", "identity": w["mine"].pk, **EXCEPTION_FIELDS},
        API_CREATE,
    ),
    (
        "create-out",
        "post",
        lambda w: "/api/v1/requests/",
        lambda w: {"kind": "exception", "identity": w["other"].pk, **EXCEPTION_FIELDS},
        {**API_CREATE, "engineer": 404},
    ),
    ("detail-in", "get", lambda w: f"/api/v1/requests/{w['pending'].pk}/", None, READ_IN),
    ("detail-out", "get", lambda w: f"/api/v1/requests/{w['other_req'].pk}/", None, READ_OUT),
    (
        "decide-in",
        "post",
        lambda w: f"/api/v1/requests/{w['pending'].pk}/decide/",
        lambda w: {"outcome": "reject", "comment": "no"},
        API_DECIDE_IN,
    ),
    (
        "decide-out",
        "post",
        lambda w: f"/api/v1/requests/{w['other_req'].pk}/decide/",
        lambda w: {"outcome": "approve"},
        DECIDE_OUT,
    ),
    (
        "revoke",
        "post",
        lambda w: f"/api/v1/grants/{w['grant'].pk}/revoke/",
        lambda w: {"reason": "done"},
        API_REVOKE,
    ),
    (
        "link-credential",
        "post",
        lambda w: f"/api/v1/grants/{w['grant'].pk}/credentials/",
        lambda w: {"credential": w["credential"].pk},
        API_LINK,
    ),
]


test_api = api_test(ENDPOINTS)


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_api_anonymous_is_401(api_client, world, name, method, url, data, expected):
    response = getattr(api_client, method)(url(world), {}, format="json")
    assert response.status_code == 401


def test_lists_show_only_what_is_in_scope(api_client, world, engineer, owner, outsider):
    api_client.force_authenticate(engineer)
    ids = {r["id"] for r in api_client.get("/api/v1/requests/").data["results"]}
    assert world["other_req"].pk not in ids and world["pending"].pk in ids
    api_client.force_authenticate(owner)
    waiting = api_client.get("/api/v1/requests/?box=waiting").data["results"]
    assert [r["id"] for r in waiting] == [world["pending"].pk]
    api_client.force_authenticate(outsider)
    assert api_client.get("/api/v1/requests/").data["count"] == 0
