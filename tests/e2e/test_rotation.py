from datetime import timedelta

import pytest
from django.utils import timezone

from governance.services import permissions_sync
from lifecycle.defaults import seed_rotation_policies
from lifecycle.models import RotationPolicy
from lifecycle.sweeps import rotation_sweep
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CredentialFactory, IdentityFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_sees_rotation_reminder_records_rotation_and_it_clears(
    page, screenshot, owner, governed
):
    seed_rotation_policies(RotationPolicy, RotationPolicy.history.model)
    identity = IdentityFactory(name="billing-exporter", risk_tier="medium")
    CredentialFactory(identity=identity, kind="api_key", label="deploy key",
                      issued_at=timezone.now() - timedelta(days=200))  # fmt: skip
    permissions_sync()
    rotation_sweep(now=timezone.now())

    sign_in(page, owner.username, PASSWORD)
    page.locator("#inbox-link").click()
    reminder = page.get_by_role("link", name="'deploy key' is overdue for rotation")
    reminder.wait_for()
    screenshot("rotation-reminder-in-inbox")
    reminder.click()
    page.wait_for_load_state("networkidle")  # the identity page's htmx panels in place

    page.get_by_role("row").filter(has_text="deploy key").get_by_role("link", name="Rotate").click()
    page.get_by_label("New fingerprint").fill("SHA256:9f86d081884c7d65")
    page.get_by_role("button", name="Record rotation").click()
    page.get_by_text("'deploy key' rotated.").wait_for()

    page.locator("#inbox-link").click()
    page.get_by_text("Nothing here.").wait_for()
    assert page.locator("#inbox-unread").count() == 0
