"""The lists on the table layer at a phone's width (375x812) and a laptop's: each table
scrolls inside its card (the page itself never scrolls sideways), and axe finds no serious or
critical violation — the settings pages, the evidence pages, the identity page and imports."""

import pytest
from django.urls import reverse

from core.models import Webhook
from identities.models import ImportJob
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import axe_page, blocking_violations, world  # noqa: F401
from tests.e2e.test_screens import VIEWPORTS, no_sideways_overflow
from tests.factories import PASSWORD, PlatformFactory

pytestmark = pytest.mark.django_db(transaction=True)


def list_pages(identity, job) -> list[str]:
    return [
        reverse("approvals:policies"),
        reverse("identities:teams"),
        identity.team.get_absolute_url(),
        reverse("identities:platforms"),
        reverse("identities:people"),
        reverse("core:webhooks"),
        reverse("evidence:index"),
        reverse("evidence:audit"),
        identity.get_absolute_url(),
        reverse("identities:import:upload"),
        reverse("identities:import:job", args=[job.pk]),
    ]


@pytest.mark.parametrize("device", VIEWPORTS)
def test_list_pages_scroll_inside_their_cards_and_pass_axe(axe_page, admin_user, world, device):  # noqa: F811
    PlatformFactory(name="Payments production cluster", slug="payments-prod", kind="kubernetes")
    Webhook.objects.create(
        name="Chat alerts", url="https://hooks.example.com/steward/alerts", kinds=[]
    )
    row = {
        "ref": "row 2",
        "action": "create",
        "name": "ledger-reader",
        "external_id": "arn:aws:iam::123456789012:user/ledger-reader",
        "team": "Payments",
    }
    job = ImportJob.objects.create(
        created_by=admin_user,
        format="aws",
        status="ready",
        filename="credential-report.csv",
        rows=[row],
        total=1,
    )
    width, height = VIEWPORTS[device]
    axe_page.set_viewport_size({"width": width, "height": height})
    sign_in(axe_page, admin_user.username, PASSWORD)
    overflow, found = [], {}
    for path in list_pages(world["identity"], job):
        assert axe_page.goto(path).ok, path
        assert axe_page.locator(".steward-table table").count() >= 1, path
        if not no_sideways_overflow(axe_page):
            overflow.append(path)
        if violations := blocking_violations(axe_page):
            found[path] = violations
    assert not overflow and not found, (overflow, found)
