"""Pages offer only what can succeed: no exception or emergency access for an identity whose
status rules them out (and the service refuses them with the reason), the policy's caps and
approvers shown before submit, a quorum that cannot be reached said up front with who could
be added and where."""

import pytest

from approvals.models import Request
from tests.factories import IdentityFactory

pytestmark = pytest.mark.django_db


def visible(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("status", "why"),
    [("pending", "its onboarding must be approved first"),
     ("decommissioned", "its access has ended for good")],
)  # fmt: skip
def test_an_identity_that_cannot_ask_offers_nothing_and_is_refused(
    client, engineer, team, governed, status, why
):
    identity = IdentityFactory(team=team, status=status)
    client.force_login(engineer)
    panel = visible(client.get(f"/approvals/panels/identity/{identity.pk}/"))
    assert "Ask for an exception" not in panel and "Emergency access" not in panel
    assert why in panel
    for kind in ("exception", "emergency"):
        url = f"/approvals/identities/{identity.pk}/request/{kind}/"
        page = client.get(url)
        assert why in visible(page)
        assert "Submit request" not in visible(page) and "Activate" not in visible(page)
        # the service is the control: a post anyway is refused, with the reason, nothing saved
        response = client.post(url, {"access_requested": "x", "justification": "j",
                                      "incident_reference": "INC-1", "duration_hours": "1",
                                      "excepted_policy": "p", "scope": "s",
                                      "compensating_controls": "c",
                                      "until": "2099-01-01T00:00"})  # fmt: skip
        assert response.status_code == 400 and why in visible(response)
    assert not Request.objects.exists()


def test_a_suspended_identity_offers_emergency_access_only(client, engineer, team, governed):
    identity = IdentityFactory(team=team, status="suspended")
    client.force_login(engineer)
    panel = visible(client.get(f"/approvals/panels/identity/{identity.pk}/"))
    assert "Emergency access" in panel and "Ask for an exception" not in panel
    assert "emergency access is still possible" in panel


def test_the_forms_show_the_policy_caps_and_who_approves(client, engineer, owner, identity):
    client.force_login(engineer)
    emergency = visible(client.get(f"/approvals/identities/{identity.pk}/request/emergency/"))
    assert "At most 4 hours" in emergency and "reviewed within 1 day" in emergency
    assert 'max="4"' in emergency
    assert owner.get_full_name() in emergency
    exception = visible(client.get(f"/approvals/identities/{identity.pk}/request/exception/"))
    assert "At most 90 days" in exception
    assert "Approvals needed: 1 (2 for critical-risk identities)." in exception


def test_the_emergency_cap_is_said_on_the_field(client, engineer, identity):
    client.force_login(engineer)
    response = client.post(
        f"/approvals/identities/{identity.pk}/request/emergency/",
        {"access_requested": "db", "justification": "outage", "incident_reference": "INC-1",
         "duration_hours": "5"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["duration_hours"] == [
        "Ensure this value is less than or equal to 4."
    ]


def test_an_exception_past_the_cap_is_said_on_the_field(client, engineer, identity):
    client.force_login(engineer)
    response = client.post(
        f"/approvals/identities/{identity.pk}/request/exception/",
        {"excepted_policy": "p", "scope": "s", "justification": "j",
         "compensating_controls": "c", "until": "2099-01-01T00:00"},
    )  # fmt: skip
    (error,) = response.context["form"].errors["until"]
    assert error.startswith("Asks for ") and error.endswith("the policy allows at most 90 days.")


def test_a_quorum_out_of_reach_says_who_could_be_added_and_where(
    client, engineer, team, governed
):
    critical = IdentityFactory(team=team, risk_tier="critical")
    client.force_login(engineer)
    page = visible(client.get(f"/approvals/identities/{critical.pk}/request/exception/"))
    assert "Needs 2 approvals for a critical-risk identity but only 1 eligible approver" in page
    assert "adds one for Runtime policy (platform security) in the RACI matrix" in page
    assert 'href="/ownership/"' in page or "(/ownership/)" in page


def test_the_wizard_review_speaks_labels_and_names_policy_and_approver(
    client, engineer, owner, team, governed
):
    from tests.factories import PlatformFactory

    platform = PlatformFactory(name="Production EKS")
    client.force_login(engineer)
    url = "/approvals/onboard/"
    steps = [
        ("identity", {"name": "refund-agent", "kind": "ai_agent", "team": team.pk,
                      "platform": platform.pk, "external_id": "payments/refund-agent",
                      "environment": "production"}),
        ("purpose", {"purpose": "Drafts refunds.", "risk_tier": "high"}),
        ("entitlements", {"entitlements": "refunds:read"}),
    ]  # fmt: skip
    client.get(url)
    for step, data in steps:
        response = client.post(url, {"onboarding_wizard-current_step": step,
                                     **{f"{step}-{k}": v for k, v in data.items()}})  # fmt: skip
    review = visible(response)
    assert "AI agent" in review and "High" in review and "ai_agent" not in review.replace(
        'value="ai_agent"', ""
    )
    assert "Identity onboarding" in review and owner.get_full_name() in review
    # "Back" posts its own form: the step's form has one submit button, Next / Submit
    assert 'form="wizard-back"' in review
