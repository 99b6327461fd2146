"""E2E (issue 17.3): a stale tab. The owner has one request open in two tabs, approves it in
one and clicks Reject in the other: the conflict shows where they clicked and the decision
buttons are gone — htmx would otherwise drop the 409 and keep offering them."""

import pytest

from approvals.choices import RequestStatus
from approvals.models import Request
from tests.approvals_helpers import pending_exception
from tests.e2e.conftest import SCREENSHOTS, sign_in
from tests.factories import PASSWORD, IdentityFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stale_tab_shows_the_conflict_and_loses_its_buttons(page, owner, governed):
    from django.utils import timezone

    team = TeamFactory(name="Payments", slug="payments")
    identity = IdentityFactory(name="ledger-sync", team=team, status="active")
    request = pending_exception(identity, timezone.now())
    url = f"/approvals/requests/{request.pk}/"

    sign_in(page, owner.username, PASSWORD)
    page.context.on("page", lambda p: p.on("dialog", lambda d: d.accept()))
    page.on("dialog", lambda d: d.accept())  # both buttons ask for confirmation
    page.goto(url)
    stale = page.context.new_page()
    stale.goto(url)
    stale.get_by_role("button", name="Reject").wait_for()

    page.get_by_label("Comment").fill("Fine for now.")
    page.get_by_role("button", name="Approve").click()
    page.locator("#request-status").filter(has_text="Approved").wait_for()

    stale.get_by_label("Comment").fill("Not needed.")  # a rejection gives its reason
    stale.get_by_role("button", name="Reject").click()
    panel = stale.locator("#decision-panel")
    panel.get_by_text("This request is already approved.").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stale.screenshot(path=str(SCREENSHOTS / "approvals-stale-tab-conflict.png"), full_page=True)
    assert panel.get_by_role("button", name="Reject").count() == 0
    assert panel.get_by_role("button", name="Approve").count() == 0
    assert "Fine for now." in panel.inner_text()  # the decision made in the other tab
    assert stale.locator("link[href*='steward.css']").count() == 1  # still the styled page
    assert Request.objects.get(pk=request.pk).status == RequestStatus.APPROVED
