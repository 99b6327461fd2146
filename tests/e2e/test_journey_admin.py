"""Admin: closes an ownership gap in the RACI matrix (a second A is refused in place), sees
the owner and where it comes from on the identity, and the dashboard's gap count drop; then,
from the in-app admin, edits an approval policy (a new version with its reason), adds a team
member, creates a platform and grants a role, each change seen on screen with who and why."""

import pytest

from approvals.models import ApprovalPolicy
from identities.models import Platform
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


def send(form, choice: tuple[str, str], reason: str, button: str) -> None:
    """Pick `choice` (label, option) in a form that asks for a reason, and send it."""
    form.get_by_label(choice[0]).select_option(label=choice[1])
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name=button).click()


def test_admin_runs_policies_teams_platforms_and_roles(screen, admin_user, governed):  # noqa: F811
    page = screen.page
    UserFactory(username="nia-new", first_name="Nia", last_name="New")
    TeamFactory(name="Payments", slug="payments")
    screen.sign_in(admin_user.username)

    def admin_page(label: str) -> None:
        page.goto("/settings/")
        page.get_by_test_id("admin-pages").get_by_role("link", name=label, exact=True).click()

    admin_page("Approval policies")
    page.get_by_role("link", name="Policy exception").click()
    page.get_by_role("link", name="Edit (new version)").click()
    page.get_by_label("Longest duration (hours)").fill("1440")
    page.get_by_role("button", name="Save as a new version").click()  # no reason: not sent
    assert page.get_by_label("Reason for the change").evaluate("el => el.validity.valueMissing")
    assert page.get_by_label("Longest duration (hours)").input_value() == "1440"
    page.get_by_label("Reason for the change").fill("Audit finding 12: shorter exceptions")
    page.get_by_role("button", name="Save as a new version").click()
    page.get_by_text("Saved as version 2.").wait_for()
    latest = page.get_by_test_id("policy-versions").locator('[data-version="2"]').inner_text()
    assert "Audit finding 12" in latest and "60 days" in latest
    assert admin_user.get_full_name() in latest  # who changed it, by name
    assert ApprovalPolicy.objects.get(kind="exception").version == 2
    screen.shot("admin", "policy-new-version")

    admin_page("Teams")
    page.get_by_role("link", name="Payments").click()
    send(page.get_by_test_id("add-member"), ("Person", "Nia New (nia-new)"),
         "New hire in payments", "Add to Payments")  # fmt: skip
    page.get_by_test_id("team-members").get_by_role("link", name="Nia New").wait_for()
    assert "New hire in payments" in page.get_by_test_id("account-changes").inner_text()
    screen.shot("admin", "team-member-added")

    admin_page("Platforms")
    page.get_by_role("link", name="Add a platform").click()
    page.get_by_label("Name").fill("Production GKE")
    page.get_by_label("Kind").select_option(label="GCP project")
    page.get_by_label("Owning team").select_option(label="Payments")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Production GKE").wait_for()
    assert "Payments" in screen.text()
    assert Platform.objects.get(name="Production GKE").owning_team.name == "Payments"
    screen.shot("admin", "platform-created")

    admin_page("People and roles")
    page.get_by_role("link", name="Nia New").click()
    send(page.get_by_test_id("person-grant"), ("Role", "Auditor"), "SOX audit this quarter",
         "Grant")  # fmt: skip
    page.get_by_text("Auditor role granted.").wait_for()
    assert "Auditor" in page.get_by_test_id("person-roles").inner_text()
    changes = page.get_by_test_id("account-changes").inner_text()
    assert "SOX audit this quarter" in changes and admin_user.get_full_name() in changes
    screen.shot("admin", "role-granted")
