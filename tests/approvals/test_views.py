"""Every approvals page and endpoint for each persona, in and out of scope; the request page,
htmx decisions, the inbox and its bounded query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import Grant, Request
from approvals.services import REJECT_NEEDS_REASON
from core.templatetags.steward import hours_human
from tests.approvals.factories import EXCEPTION_FIELDS, submit_emergency, submit_exception
from tests.conftest import PERSONAS
from tests.factories import CredentialFactory, IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(governed, engineer, owner, team, identity):
    """`mine`: the engineer's team's identity (owner: the global A of every domain).
    `other`: another team's identity, whose runtime-policy A is someone else, requested by a
    colleague of that team: out of scope for engineer, owner and outsider."""
    other_team = TeamFactory(name="Search", slug="search")
    colleague = UserFactory(username="sol-search", groups=["engineers"])
    other_team.group.user_set.add(colleague)
    other = IdentityFactory(name="indexer", team=other_team)
    AssignmentFactory(
        domain=governed["runtime_policy"], scope_kind="team", team=other_team, role="A"
    )
    pending = submit_exception(actor=engineer, identity=identity)
    approved = submit_exception(actor=engineer, identity=identity)
    services.request_decide(request_id=approved.pk, actor=owner, outcome="approve")
    emergency = submit_emergency(actor=engineer, identity=identity)
    other_req = submit_exception(actor=colleague, identity=other)
    return {
        "mine": identity,
        "calm": IdentityFactory(name="quiet-sync", team=team),  # no break-glass under way
        "other": other,
        "pending": pending,
        "grant": Grant.objects.get(request=approved),
        "emergency": emergency.grant,
        "other_req": other_req,
        "credential": CredentialFactory(identity=identity),
    }


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


def persona_name(request, persona) -> str:
    return next(p for p in PERSONAS if request.getfixturevalue(p) == persona)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES]
)
def test_pages(client, world, persona, request, name, method, url, data, expected):
    client.force_login(persona)
    target = url(world)
    if method == "get":
        response = client.get(target)
    else:
        response = client.post(target, data(world, persona) if data else {})
    who = persona_name(request, persona)
    assert response.status_code == expected[who], (name, who)


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES]
)
def test_pages_anonymous_redirect_to_login(client, world, name, method, url, data, expected):
    target = url(world)
    response = client.get(target) if method == "get" else client.post(target, {})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


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


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_api(api_client, world, persona, request, name, method, url, data, expected):
    api_client.force_authenticate(persona)
    kwargs = {"format": "json"}
    if data is not None:
        kwargs["data"] = data(world)
    response = getattr(api_client, method)(url(world), **kwargs)
    who = persona_name(request, persona)
    assert response.status_code == expected[who], (name, who, response.data)


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


# --- the request page and decisions ---------------------------------------------------------
def test_request_page_shows_evaluation_owners_history_and_buttons(client, world, owner):
    client.force_login(owner)
    req = world["pending"]
    html = client.get(reverse("approvals:request", args=[req.pk])).content.decode()
    assert "Policy exception v1" in html
    assert "Needs approval" in html
    assert reverse("governance:identity-owners", args=[req.identity_id]) in html  # owners panel
    assert "History" in html and "submitted by" in html
    assert 'value="approve"' in html and 'value="reject"' in html
    assert f'hx-post="{reverse("approvals:decide", args=[req.pk])}"' in html


def test_requester_sees_no_decision_buttons(client, world, engineer):
    client.force_login(engineer)
    html = client.get(reverse("approvals:request", args=[world["pending"].pk])).content.decode()
    assert 'value="approve"' not in html
    assert "Waiting for 1 approval" in html


def test_htmx_decision_redirects_and_a_second_click_is_a_clear_conflict(client, world, owner):
    client.force_login(owner)
    url = reverse("approvals:decide", args=[world["pending"].pk])
    first = client.post(url, {"outcome": "approve", "comment": "ok"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 204
    assert first["HX-Redirect"] == f"/approvals/requests/{world['pending'].pk}/"
    second = client.post(url, {"outcome": "approve"}, HTTP_HX_REQUEST="true")
    assert second.status_code == 409
    assert "This request is already approved." in second.content.decode()
    assert Grant.objects.filter(request=world["pending"]).count() == 1


def test_request_page_answers_what_am_i_approving(client, world, owner):
    client.force_login(owner)
    req = world["pending"]
    identity = req.identity
    html = client.get(reverse("approvals:request", args=[req.pk])).content.decode()
    assert "What you are asked to approve" in html
    assert identity.get_kind_display() in html and identity.get_environment_display() in html
    assert f'id="risk">{identity.get_risk_tier_display()}</span>' in html
    hours = req.evaluation.inputs["requested_hours"]
    assert hours_human(hours) in html  # duration in words ...
    cap = req.evaluation.policy_snapshot["max_duration_hours"]
    assert f"of at most {hours_human(cap)}" in html  # ... against the policy's cap
    assert f"{hours} h" not in html
    assert "0 of 1 approval — 1 more needed" in html
    who = f'<span class="person" title="olu-owner">{owner.get_full_name()}</span>'
    assert f"Who may approve: <strong>{who}</strong>" in html  # the snapshot's username, named
    # Both decisions ask for confirmation; the reason is asked for a rejection.
    assert html.count("data-confirm=") == 2
    assert "(required to reject)" in html


@pytest.mark.parametrize(
    ("persona", "which", "buttons", "quorum"),
    [
        ("owner", "pending", True, "0 of 1 approval — 1 more needed"),
        ("engineer", "pending", False, "0 of 1 approval — 1 more needed"),
        ("auditor", "pending", False, "0 of 1 approval — 1 more needed"),
        ("owner", "approved", False, "1 of 1 approval."),
        ("engineer", "approved", False, "1 of 1 approval."),
    ],
)
def test_request_page_by_persona_and_status(
    client, world, request, persona, which, buttons, quorum
):
    req = world["pending"] if which == "pending" else world["grant"].request
    client.force_login(request.getfixturevalue(persona))
    html = client.get(reverse("approvals:request", args=[req.pk])).content.decode()
    assert ('value="reject"' in html) is buttons
    assert quorum in html


def test_htmx_reject_without_a_reason_is_refused_in_place(client, world, owner):
    client.force_login(owner)
    req = world["pending"]
    url = reverse("approvals:decide", args=[req.pk])
    response = client.post(url, {"outcome": "reject", "comment": "  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert REJECT_NEEDS_REASON in response.content.decode()
    req.refresh_from_db()
    assert req.status == "pending" and not req.decisions.exists()
    done = client.post(url, {"outcome": "reject", "comment": "Rotate instead."})
    assert done.status_code == 302
    req.refresh_from_db()
    assert req.status == "rejected"


def test_approved_request_page_shows_the_grant_end(client, world, engineer):
    client.force_login(engineer)
    grant = world["grant"]
    html = client.get(reverse("approvals:request", args=[grant.request_id])).content.decode()
    assert f'<dd id="grant-end">{timezone.localtime(grant.expires_at):%Y-%m-%d %H:%M}</dd>' in html


def test_refused_request_form_lists_the_reasons(client, world, engineer):
    client.force_login(engineer)
    url = reverse("approvals:new-request", args=[world["mine"].pk, "exception"])
    data = {**EXCEPTION_FIELDS, "until": timezone.now() + timezone.timedelta(days=120)}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "the policy allows at most 90 days" in response.content.decode()


def test_dashboard_panel_shows_the_emergency_banner_and_the_review(client, world, owner):
    client.force_login(owner)
    html = client.get(reverse("approvals:dashboard-panel")).content.decode()
    assert 'id="emergency-banner"' in html and "ledger-sync" in html
    assert "Post-incident reviews" in html


def test_navigation_counts_what_waits_for_me(client, world, owner, engineer):
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert 'Approvals <span class="badge">1</span>' in html
    client.force_login(engineer)
    assert 'Approvals <span class="badge">' not in client.get("/").content.decode()


# --- bounded query counts -------------------------------------------------------------------
def _requests(engineer, identity, n):
    for _ in range(n):
        submit_exception(actor=engineer, identity=identity)


@pytest.mark.parametrize("n", [5, 40])
@pytest.mark.parametrize(
    ("who", "box"), [("owner", "waiting"), ("engineer", "mine"), ("admin_user", "all")]
)
def test_inbox_query_count_does_not_grow(
    client, request, engineer, identity, n, who, box, django_assert_max_num_queries
):
    _requests(engineer, identity, n)
    client.force_login(request.getfixturevalue(who))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("approvals:inbox") + f"?box={box}")
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == n


@pytest.mark.parametrize("n", [5, 40])
def test_request_page_query_count_is_bounded(
    client, owner, engineer, identity, n, django_assert_max_num_queries
):
    _requests(engineer, identity, n)  # many requests of the same identity around it
    req = Request.objects.latest("pk")
    client.force_login(owner)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("approvals:request", args=[req.pk])).status_code == 200


@pytest.mark.parametrize("n", [5, 40])
def test_api_list_query_count_does_not_grow(
    api_client, owner, engineer, identity, n, django_assert_max_num_queries
):
    _requests(engineer, identity, n)
    api_client.force_authenticate(owner)
    with django_assert_max_num_queries(15):
        assert api_client.get("/api/v1/requests/?box=waiting").data["count"] == n


# --- admin ----------------------------------------------------------------------------------
@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_edit_of_a_policy_is_a_new_version_with_its_reason(superuser_client, governed):
    admin_client = superuser_client
    from approvals.models import ApprovalPolicy

    policy = ApprovalPolicy.objects.get(kind="exception")
    url = reverse("admin:approvals_approvalpolicy_change", args=[policy.pk])
    assert admin_client.get(url).status_code == 200
    form = {
        "name": policy.name,
        "description": "",
        "approver_domain": policy.approver_domain_id,
        "approver_roles": "AR",
        "approvals_by_risk": '{"critical": 2}',
        "max_duration_hours": 24 * 60,
        "default_duration_hours": 24 * 30,
        "requires_justification": "on",
        "requires_compensating_controls": "on",
        "pending_expiry_hours": 168,
        "change_reason": "shorter exceptions after the audit",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert (policy.version, policy.max_duration_hours, policy.approver_roles) == (2, 1440, "AR")
    assert "shorter exceptions" in policy.history.latest().history_change_reason


@pytest.mark.parametrize("model", ["request", "decision", "grant", "approvalpolicy"])
def test_admin_lists_load(superuser_client, world, model):
    admin_client = superuser_client
    assert admin_client.get(reverse(f"admin:approvals_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:approvals_{model}_add")).status_code == 403
