import pytest

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_engineer_onboards_an_identity_and_finds_it_pending(page, screenshot, engineer, governed):
    TeamFactory(name="Payments", slug="payments", members=[engineer])
    PlatformFactory(name="Production EKS", slug="prod-eks")
    sign_in(page, engineer.username, PASSWORD)

    page.get_by_role("link", name="Identities").click()
    page.get_by_role("link", name="Onboard an identity").click()
    page.get_by_label("Name").fill("refund-agent")
    page.get_by_label("Kind").select_option("ai_agent")
    page.get_by_label("Team").select_option(label="Payments")
    page.get_by_label("Platform").select_option(label="Production EKS")
    page.get_by_label("External id").fill("payments/refund-agent")
    page.get_by_label("Environment").select_option("production")
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Purpose").fill("Drafts refund decisions for human review.")
    page.get_by_label("Risk tier").select_option("high")
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Entitlements").fill("refunds:read\nrefunds:draft")
    page.get_by_role("button", name="Next").click()

    assert page.get_by_text("payments/refund-agent").is_visible()
    page.get_by_label("The details are correct").check()
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("is pending approval").wait_for()

    page.get_by_role("link", name="Identities").first.click()
    page.get_by_role("searchbox").fill("refund-agent")
    row = page.get_by_role("row").filter(has_text="refund-agent")
    row.get_by_text("Pending").wait_for()
    screenshot("onboarding-pending-in-registry")
