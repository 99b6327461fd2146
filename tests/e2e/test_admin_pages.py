"""E2E (admin journey): the admin reaches the in-app admin from the navigation, edits an
approval policy with a reason (a new version, with the change shown in words), adds a team
member, and creates a platform — at a laptop's and a phone's width."""

import pytest

from approvals.models import ApprovalPolicy
from core.roles import ADMINS
from identities.models import Platform
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_edits_a_policy_adds_a_member_and_creates_a_platform(page, screenshot, governed):
    admin = UserFactory(username="alice-admin", first_name="Alice", last_name="Admin",
                        groups=[ADMINS])  # fmt: skip
    UserFactory(username="nia-new", first_name="Nia", last_name="New")
    team = TeamFactory(name="Payments", slug="payments")

    sign_in(page, admin.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_test_id("admin-pages").get_by_role("link", name="Approval policies").click()
    page.get_by_role("link", name="Policy exception").click()
    page.get_by_role("link", name="Edit (new version)").click()

    # without a reason the form is not sent (the server refuses it too: tests/approvals)
    page.get_by_label("Longest duration (hours)").fill("1440")
    page.get_by_role("button", name="Save as a new version").click()
    reason = page.get_by_label("Reason for the change")
    assert reason.evaluate("el => el.validity.valueMissing")
    assert page.get_by_label("Longest duration (hours)").input_value() == "1440"
    reason.fill("Audit finding 12: shorter exceptions")
    page.get_by_role("button", name="Save as a new version").click()
    page.get_by_text("Saved as version 2.").wait_for()
    latest = page.get_by_test_id("policy-versions").locator('[data-version="2"]')
    assert "Audit finding 12" in latest.inner_text()
    assert "90 days" in latest.inner_text() and "60 days" in latest.inner_text()
    assert "Alice Admin" in latest.inner_text()
    screenshot("admin-policy-versions")
    assert ApprovalPolicy.objects.get(kind="exception").version == 2

    page.goto("/settings/")
    page.get_by_test_id("admin-pages").get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="Payments").click()
    form = page.get_by_test_id("add-member")
    form.get_by_label("Person").select_option(label="Nia New (nia-new)")
    form.get_by_label("Reason").fill("New hire in payments")
    form.get_by_role("button", name="Add to Payments").click()
    page.get_by_test_id("team-members").get_by_role("link", name="Nia New").wait_for()
    assert "New hire in payments" in page.get_by_test_id("account-changes").inner_text()
    screenshot("admin-team-members")

    page.goto("/settings/")
    page.get_by_test_id("admin-pages").get_by_role("link", name="Platforms").click()
    page.get_by_role("link", name="Add a platform").click()
    page.get_by_label("Name").fill("Production GKE")
    page.get_by_label("Kind").select_option(label="GCP project")
    page.get_by_label("Owning team").select_option(label="Payments")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Production GKE").wait_for()
    assert Platform.objects.get(name="Production GKE").owning_team == team
    screenshot("admin-platform-created")

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/identities/platforms/")
    page.get_by_role("link", name="Production GKE").wait_for()
    screenshot("admin-platforms-phone")
