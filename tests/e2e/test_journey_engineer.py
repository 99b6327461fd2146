"""Engineer: onboards an identity through the wizard (Enter always goes forward; the review
step speaks labels and names the policy and its approver), finds it pending with nothing to
ask for yet, then opens break-glass access on an active identity within the policy's cap."""

import pytest

from tests.e2e.journeys import screen  # noqa: F401 - the viewport fixture
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(engineer, owner, governed):
    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    PlatformFactory(name="Production EKS", slug="prod-eks")
    ledger = IdentityFactory(name="ledger-sync", team=team, status="active")
    return {"ledger": ledger}


def test_engineer_onboards_then_opens_break_glass(screen, engineer, owner, world):  # noqa: F811
    page = screen.page
    screen.sign_in(engineer.username)
    page.goto("/approvals/onboard/")
    page.get_by_label("Name").fill("refund-agent")
    page.get_by_label("Kind").select_option(label="AI agent")
    page.get_by_label("Team").select_option(label="Payments")
    page.get_by_label("Platform").select_option(label="Production EKS")
    page.get_by_label("Environment").select_option(label="Production")
    page.get_by_label("External id").fill("payments/refund-agent")
    screen.shot("engineer", "onboard-identity")
    page.get_by_label("External id").press("Enter")

    page.get_by_label("Purpose").fill("Drafts refund decisions for human review.")
    page.get_by_label("Risk tier").select_option(label="High")
    screen.shot("engineer", "onboard-purpose")
    page.get_by_label("End date").press("Enter")  # forward, never "Back"
    page.get_by_label("Entitlements").fill("refunds:read\nrefunds:draft")
    page.get_by_role("button", name="Next").click()

    summary = page.locator("#review-summary").inner_text()
    for fact in ("refund-agent", "AI agent", "Payments", "Production EKS", "Production", "High",
                 "refunds:draft"):  # fmt: skip
        assert fact in summary, fact
    assert "ai_agent" not in summary and "high" not in summary.split()
    policy = page.locator("#review-policy").inner_text()
    assert "Identity onboarding" in policy
    assert owner.get_full_name() in policy  # who will approve
    screen.shot("engineer", "onboard-review")
    page.get_by_label("The details are correct").check()
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("is pending approval").wait_for()
    # a pending identity offers no exception or emergency access, and says why
    page.get_by_text("its onboarding must be approved first").wait_for()
    assert page.get_by_role("link", name="Emergency access").count() == 0
    assert page.get_by_role("link", name="Ask for an exception").count() == 0
    screen.shot("engineer", "onboarded-pending")

    page.goto(f"/identities/{world['ledger'].pk}/")
    page.get_by_role("link", name="Emergency access").click()
    caps = page.locator("#policy-caps").inner_text()
    assert "At most 4 hours" in caps and "reviewed within 1 day" in caps
    assert page.get_by_label("For how long (hours)").get_attribute("max") == "4"
    page.get_by_label("Access needed").fill("read the production ledger database")
    page.get_by_label("Why").fill("Ledger outage; reconcile by hand.")
    page.get_by_label("Incident reference").fill("INC-2041")
    page.get_by_label("For how long (hours)").fill("2")
    screen.shot("engineer", "break-glass-form")
    page.get_by_role("button", name="Activate emergency access").click()
    page.get_by_text("Emergency access is active now").wait_for()
    assert page.locator("#request-status").inner_text() == "Approved"
    assert page.locator("#grant-status").inner_text() == "Active"
    assert "2 hours" in page.locator("#duration").inner_text()
    screen.shot("engineer", "break-glass-active")
