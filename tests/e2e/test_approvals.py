"""E2E (approvals): an engineer asks for a policy exception, the accountable owner finds it in
the inbox and approves it, the engineer sees it approved with its end date; an engineer
triggers emergency access, it is active at once, and the A sees the banner and the review."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import Grant
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, IdentityFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, username, PASSWORD)


def test_exception_is_asked_approved_by_the_a_and_seen_approved(
    page, screenshot, engineer, owner, governed
):
    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    identity = IdentityFactory(name="ledger-sync", team=team, status="active")
    until = timezone.localtime(timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)

    sign_in(page, engineer.username, PASSWORD)
    page.goto(f"/identities/{identity.pk}/")
    page.get_by_role("link", name="Ask for an exception").click()
    page.get_by_label("Policy excepted").fill("credentials rotate every 90 days")
    page.locator("#id_scope").fill("the ledger signing key")  # not "Runtime scopes"
    page.get_by_label("Justification").fill("Vendor freeze until the migration lands.")
    page.get_by_label("Compensating controls").fill("IP allow-list, daily usage review.")
    page.get_by_label("Until").fill(until.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Submit request").click()
    page.get_by_text("submitted.").wait_for()
    assert page.locator("#request-status").inner_text() == "Pending"
    request_url = page.url

    switch_user(page, owner.username)
    nav = page.get_by_role("navigation").get_by_role("link", name="Approvals")
    assert nav.locator(".badge").inner_text() == "1"
    nav.click()
    row = page.get_by_role("row").filter(has_text="ledger-sync")
    row.get_by_text("Policy exception").wait_for()
    screenshot("approvals-inbox-waiting")
    row.get_by_role("link").first.click()
    page.locator("#evaluation").get_by_text("v1").wait_for()
    page.get_by_label("Comment").fill("Ten days, then rotate.")
    page.once("dialog", lambda dialog: dialog.accept())  # the decision asks for confirmation
    page.get_by_role("button", name="Approve").click()
    page.locator("#request-status").filter(has_text="Approved").wait_for()
    screenshot("approvals-request-approved")

    switch_user(page, engineer.username)
    page.goto(request_url)
    assert page.locator("#request-status").inner_text() == "Approved"
    assert page.locator("#grant-status").inner_text() == "Active"
    assert page.locator("#grant-end").inner_text() == until.strftime("%Y-%m-%d %H:%M")
    assert page.get_by_text("Ten days, then rotate.").is_visible()
    grant = Grant.objects.get()
    assert grant.expires_at == until


def test_emergency_access_is_active_at_once_and_the_a_reviews_it(
    page, screenshot, engineer, owner, governed
):
    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    identity = IdentityFactory(name="ledger-sync", team=team, status="active")

    sign_in(page, engineer.username, PASSWORD)
    page.goto(f"/identities/{identity.pk}/")
    page.get_by_role("link", name="Emergency access").click()
    page.get_by_label("Access needed").fill("read the production ledger database")
    page.get_by_label("Why").fill("Ledger outage; reconcile by hand.")
    page.get_by_label("Incident reference").fill("INC-2041")
    page.get_by_label("For how long").fill("2")
    page.get_by_role("button", name="Activate emergency access").click()
    page.get_by_text("Emergency access is active now").wait_for()
    assert page.locator("#request-status").inner_text() == "Approved"
    assert page.locator("#grant-status").inner_text() == "Active"
    screenshot("approvals-emergency-active")

    switch_user(page, owner.username)
    banner = page.locator("#emergency-banner")
    banner.get_by_text("ledger-sync").wait_for()
    screenshot("approvals-emergency-banner")
    page.get_by_role("heading", name="Post-incident reviews").wait_for()
    banner.get_by_role("link", name="ledger-sync").click()
    page.locator("#review-due").wait_for()
    page.get_by_role("link", name="Post-incident review").click()
    page.get_by_label("Post-incident review").fill("Used as asked; rotate the DB password.")
    page.get_by_role("button", name="Post-incident review").click()
    page.get_by_text("Post-incident review recorded.").wait_for()
    page.get_by_text("Used as asked; rotate the DB password.").wait_for()
    assert Grant.objects.get().reviewed_by == owner
