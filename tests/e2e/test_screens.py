"""Screens at a laptop (1440x900) and a phone (375x812): the approver's request page and the
identity list, saved under var/screenshots/. The decision is above the fold on the laptop;
nothing overflows sideways on the phone, where the navigation folds behind "Menu"."""

import pytest

from tests.approvals.factories import submit_exception
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, IdentityFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"laptop": (1440, 900), "phone": (375, 812)}


@pytest.fixture
def pending(engineer, governed):
    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    for n in range(12):
        IdentityFactory(name=f"batch-settlement-exporter-{n:02d}", team=team, status="active")
    identity = IdentityFactory(
        name="ledger-sync",
        team=team,
        status="active",
        risk_tier="high",
        entitlements=["s3:GetObject ledger-exports/*", "kms:Decrypt ledger-key"],
    )
    return submit_exception(
        actor=engineer,
        identity=identity,
        days=10.5,
        access_requested="read the ledger exports bucket",
    )


def no_sideways_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("device", VIEWPORTS)
def test_request_page_and_identity_list(page, screenshot, owner, engineer, pending, device):
    width, height = VIEWPORTS[device]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, owner.username, PASSWORD)

    page.goto(f"/approvals/requests/{pending.pk}/")
    page.locator("#what").get_by_text("10 days 12 hours").wait_for()
    assert "High" in page.locator("#risk").inner_text()
    assert "0 of 1 approval" in page.locator("#evaluation").inner_text()
    approve = page.get_by_role("button", name="Approve")
    reject = page.get_by_role("button", name="Reject")
    if device == "laptop":
        for button in (approve, reject):
            box = button.bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, "below the fold"
    assert no_sideways_overflow(page)
    screenshot(f"request-page-{device}")

    page.context.clear_cookies()
    sign_in(page, engineer.username, PASSWORD)  # a member of the identities' team
    page.goto("/identities/")
    page.get_by_role("link", name="ledger-sync").wait_for()
    assert no_sideways_overflow(page)
    if device == "phone":
        nav = page.locator("#mainnav")
        assert not nav.is_visible()
        page.get_by_role("button", name="Menu").click()
        assert nav.is_visible()
        screenshot("identity-list-phone-menu")
        page.get_by_role("button", name="Menu").click()
    screenshot(f"identity-list-{device}")

    page.get_by_role("link", name="ledger-sync").click()
    page.get_by_role("heading", name="ledger-sync").first.wait_for()
    page.wait_for_load_state("networkidle")  # the htmx panels
    assert no_sideways_overflow(page)
    screenshot(f"identity-detail-{device}")


def test_reject_asks_for_confirmation_and_a_reason_shown_in_place(page, owner, pending):
    sign_in(page, owner.username, PASSWORD)
    page.goto(f"/approvals/requests/{pending.pk}/")
    dialogs: list[str] = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Reject").click()
    # htmx shows the 400 answer in place instead of dropping it.
    page.locator("#decision-panel").get_by_text("Say why you reject").wait_for()
    assert dialogs and dialogs[0].startswith(f"Reject request #{pending.pk}?")
    assert page.locator("#request-status").inner_text() == "Pending"
    page.get_by_label("Comment").fill("Rotate the key instead.")
    page.get_by_role("button", name="Reject").click()
    page.locator("#request-status").filter(has_text="Rejected").wait_for()
    assert len(dialogs) == 2
