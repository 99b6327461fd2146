import datetime as dt
import re

import pytest
from django.utils import timezone

from governance.services import permissions_sync
from lifecycle.reviews.services import campaign_create
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, IdentityFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_keeps_one_identity_and_decommissions_another(
    page, screenshot, owner, admin_user, governed
):
    IdentityFactory(name="ledger-writer", risk_tier="high")
    IdentityFactory(name="legacy-exporter", risk_tier="medium")
    permissions_sync()
    today = timezone.localdate()
    campaign = campaign_create(
        actor=admin_user, name="Q4 access review", starts_on=today,
        due_on=today + dt.timedelta(days=14),
    )  # fmt: skip

    sign_in(page, owner.username, PASSWORD)
    page.locator("#inbox-link").click()
    page.get_by_role("link", name=re.compile(r"^Access review assigned:")).click()
    page.get_by_role("heading", name="My review queue").wait_for()
    screenshot("review-queue")

    page.get_by_role("link", name="ledger-writer").click()
    page.get_by_role("heading", name="Review ledger-writer").wait_for()
    page.get_by_label("Keep (attest)").check()
    page.get_by_label("Comment").fill("Still moves ledger entries")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("ledger-writer: Keep (attest).").wait_for()

    page.get_by_role("link", name="legacy-exporter").click()
    page.get_by_label("Decommission").check()
    page.get_by_label("Comment").fill("Replaced by the new exporter")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("legacy-exporter: Decommission.").wait_for()
    page.get_by_text("Nothing to review.").wait_for()

    page.goto(f"/lifecycle/reviews/{campaign.pk}/")
    page.locator("#progress-overall").get_by_text("2 of 2 reviewed").wait_for()
    row = page.get_by_role("table", name="Progress per reviewer").get_by_role("row")
    assert "2 / 2" in row.filter(has_text=owner.username).inner_text()
    screenshot("review-campaign-progress")

    with page.expect_download() as download:
        page.locator("#review-report").click()
    report = download.value.path().read_text()
    assert "ledger-writer" in report and "keep" in report
    assert "Still moves ledger entries" in report
    assert "legacy-exporter" in report and "decommission" in report
    assert "Replaced by the new exporter" in report
