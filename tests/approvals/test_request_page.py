"""The request page, htmx decisions, the inbox and navigation counts, and their bounded
query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import Grant, Request
from approvals.services import REJECT_NEEDS_REASON
from core.templatetags.steward import hours_human
from tests.approvals.factories import EXCEPTION_FIELDS, submit_exception

pytestmark = pytest.mark.django_db


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
    assert "Who may approve: <strong>olu-owner</strong>" in html
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
