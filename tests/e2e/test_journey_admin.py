"""Admin: closes an ownership gap in the RACI matrix (a second A is refused in place), sees
the owner and where it comes from on the identity, and the dashboard's gap count drop.
(Approval policies, teams and platforms pages join this journey when they land.)"""

import pytest

from tests.e2e.journeys import screen  # noqa: F401 - the viewport fixture
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory, default_domains

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(admin_user):
    domains = default_domains()
    UserFactory(username="olu-owner", first_name="Olu", last_name="Owner")
    team = TeamFactory(name="Payments", slug="payments")
    identity = IdentityFactory(
        name="ledger-sync", team=team, platform=PlatformFactory(name="Production EKS")
    )
    for key, domain in domains.items():
        if key != "identity":
            AssignmentFactory(domain=domain, assignee_user=UserFactory())
    return {"identity": identity}


def test_admin_closes_a_gap_in_the_raci_matrix(screen, admin_user, world):  # noqa: F811
    page = screen.page
    screen.sign_in(admin_user.username)
    page.get_by_test_id("gap-count").filter(has_text="1").wait_for()
    screen.shot("admin", "dashboard-gap")

    page.goto("/ownership/")
    page.get_by_role("button", name="Edit Identity (IAM) · Payments").click()
    editor = page.get_by_test_id("cell-editor")
    editor.get_by_label("Role").select_option("A")
    editor.get_by_label("Person").select_option(label="Olu Owner (olu-owner)")
    editor.get_by_label("Change reason").fill("Olu owns IAM for Payments")
    editor.get_by_role("button", name="Add").click()
    editor.get_by_text("Olu Owner").first.wait_for()
    screen.shot("admin", "raci-assigned")

    editor.get_by_label("Role").select_option("A")
    editor.get_by_label("Person").select_option(label=f"{admin_user.get_full_name()} "
                                                      f"({admin_user.username})")  # fmt: skip
    editor.get_by_label("Change reason").fill("try a second A")
    editor.get_by_role("button", name="Add").click()
    page.get_by_role("alert").filter(has_text="there can be only one").wait_for()
    screen.shot("admin", "raci-second-a-refused")

    page.goto(f"/identities/{world['identity'].pk}/")
    owners = page.get_by_test_id("owners-panel")
    owners.get_by_text("Olu Owner").first.wait_for()
    assert "from team: Payments" in owners.inner_text()
    screen.shot("admin", "identity-owners")

    page.goto("/")
    page.get_by_test_id("gap-count").filter(has_text="0").wait_for()
    screen.shot("admin", "dashboard-no-gaps")
