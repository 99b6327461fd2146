"""E2E (governance): an admin sets an A in the matrix; the owners panel shows it with its
source; the dashboard's gap count drops.

Lives in tests/e2e/ (not tests/governance/) so it shares the session's one Playwright browser:
a second session-scoped `browser` fixture re-exported elsewhere starts a second Playwright and
fails in a full run."""

import pytest

from core.roles import ADMINS
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, IdentityFactory, PlatformFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory, default_domains

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_sets_an_accountable_in_the_matrix_and_the_gap_closes(page, screenshot):
    domains = default_domains()
    admin = UserFactory(username="alice-admin", groups=[ADMINS])
    UserFactory(username="olu-owner", first_name="Olu", last_name="Owner")
    team = TeamFactory(name="Payments", slug="payments")
    identity = IdentityFactory(
        name="ledger-sync", team=team, platform=PlatformFactory(name="Production EKS")
    )
    for key, domain in domains.items():
        if key != "identity":
            AssignmentFactory(domain=domain, assignee_user=UserFactory())

    sign_in(page, admin.username, PASSWORD)
    gap_count = page.get_by_test_id("gap-count")
    assert gap_count.inner_text() == "1"

    page.get_by_role("link", name="Ownership").click()
    page.get_by_role("button", name="Edit Identity (IAM) · Payments").click()
    editor = page.get_by_test_id("cell-editor")
    editor.get_by_label("Role").select_option("A")
    editor.get_by_label("Person").select_option(label="Olu Owner (olu-owner)")
    editor.get_by_label("Change reason").fill("Olu owns IAM for Payments")
    editor.get_by_role("button", name="Add").click()
    accountable = editor.locator('[data-source="explicit"][data-role="A"]')
    accountable.filter(has_text="Olu Owner").wait_for()
    screenshot("governance-matrix-cell-editor")

    # a second A for the same cell is refused with a clear message
    editor.get_by_label("Role").select_option("A")
    editor.get_by_label("Person").select_option(value=str(admin.pk))
    editor.get_by_label("Change reason").fill("try a second A")
    editor.get_by_role("button", name="Add").click()
    page.get_by_role("alert").filter(has_text="there can be only one").wait_for()

    page.goto(f"/identities/{identity.pk}/")
    row = page.get_by_test_id("owners-panel").locator('[data-domain="identity"]')
    row.get_by_text("Olu Owner").wait_for()
    assert "from team: Payments" in row.get_by_test_id("source").inner_text()
    screenshot("governance-identity-owners-panel")

    page.goto("/")
    page.get_by_test_id("gap-count").filter(has_text="0").wait_for()
    screenshot("governance-dashboard-no-gaps")
