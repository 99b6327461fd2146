"""Owner (the accountable A): approves one request, rejects another with a reason (asked for
when missing), decommissions an identity — which then offers nothing more — and attests an
identity in an access review."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.services import permissions_sync
from lifecycle.reviews.services import campaign_create
from tests.approvals.factories import submit_exception
from tests.e2e.journeys import screen  # noqa: F401 - the viewport fixture
from tests.factories import IdentityFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(engineer, owner, admin_user, governed):
    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    ledger = IdentityFactory(name="ledger-sync", team=team, kind="ai_agent")
    bot = IdentityFactory(name="report-bot", team=team)
    legacy = IdentityFactory(name="legacy-exporter", team=team)
    permissions_sync()
    approve = submit_exception(actor=engineer, identity=ledger, days=10.5)
    reject = submit_exception(actor=engineer, identity=bot, days=30)
    today = timezone.localdate()
    campaign_create(actor=admin_user, name="Q4 access review", starts_on=today,
                    due_on=today + dt.timedelta(days=14))  # fmt: skip
    return {"approve": approve, "reject": reject, "legacy": legacy}


def test_owner_approves_rejects_decommissions_and_reviews(screen, owner, world):  # noqa: F811
    page = screen.page
    page.on("dialog", lambda dialog: dialog.accept())  # decisions ask for confirmation
    screen.sign_in(owner.username)
    page.goto("/approvals/")
    for name in ("ledger-sync", "report-bot"):
        page.get_by_role("row").filter(has_text=name).get_by_text("Policy exception").wait_for()
    screen.shot("owner", "inbox")

    page.goto(f"/approvals/requests/{world['approve'].pk}/")
    what = page.locator("#what").inner_text()
    assert "ledger-sync" in what and "AI agent" in what and "10 days 12 hours" in what
    screen.shot("owner", "request")
    page.get_by_label("Comment").fill("Ten days, then rotate.")
    page.get_by_role("button", name="Approve").click()
    page.locator("#request-status").filter(has_text="Approved").wait_for()
    assert page.locator("#grant-status").inner_text() == "Active"
    screen.shot("owner", "approved")

    page.goto(f"/approvals/requests/{world['reject'].pk}/")
    page.get_by_role("button", name="Reject").click()
    page.get_by_text("Say why you reject").wait_for()  # shown in place, nothing decided
    assert page.locator("#request-status").inner_text() == "Pending"
    page.get_by_label("Comment").fill("Use the shared reporting role instead.")
    page.get_by_role("button", name="Reject").click()
    page.locator("#request-status").filter(has_text="Rejected").wait_for()
    page.get_by_text("Use the shared reporting role instead.").wait_for()
    screen.shot("owner", "rejected")

    page.goto(f"/identities/{world['legacy'].pk}/")
    page.get_by_role("link", name="Decommission").click()
    page.get_by_label("Reason").fill("Replaced by the new exporter.")
    page.get_by_label("Revoke its credentials").check()
    page.get_by_role("button", name="Decommission").click()
    page.get_by_text("legacy-exporter is decommissioned.").wait_for()
    page.get_by_text("its access has ended for good").wait_for()
    assert page.get_by_role("link", name="Emergency access").count() == 0
    screen.shot("owner", "decommissioned")

    page.goto("/lifecycle/reviews/queue/")
    page.get_by_role("heading", name="My review queue").wait_for()
    screen.shot("owner", "review-queue")
    page.get_by_role("link", name="ledger-sync").click()
    page.get_by_role("heading", name="Review ledger-sync").wait_for()
    page.get_by_label("Keep (attest)").check()
    page.get_by_label("Comment").fill("Still drafts refunds.")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("ledger-sync: Keep (attest).").wait_for()
    screen.shot("owner", "reviewed")
