"""A finance owner uploads a usage CSV, sees the spike signal it raises and resolves it."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.services import permissions_sync
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, IdentityFactory, TeamFactory, UserFactory
from usage import services as usage_services
from usage.detectors import detect
from usage.models import Signal

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_owner_uploads_usage_sees_spike_and_resolves_it(
    page, screenshot, governed, monkeypatch, tmp_path
):
    finance = UserFactory(username="fran-finance")
    governed["consumption"].assignments.filter(scope_kind="global", role="A").update(
        assignee_user=finance
    )
    team = TeamFactory(slug="data-science", name="Data Science")
    identity = IdentityFactory(team=team, name="support-agent", external_id="org-1/agent")
    permissions_sync()
    # The ingestion enqueues the detectors after commit; run them in-process (no worker here).
    monkeypatch.setattr(
        usage_services, "_enqueue_detect", lambda first, last: detect(start=first, end=last)
    )
    today = timezone.localdate()
    lines = ["day,source,platform,external_id,calls,tokens,cost,currency"]
    for back in range(20, -1, -1):
        cost = "480.00" if back == 0 else f"{20 + back % 3}.00"
        lines.append(f"{today - dt.timedelta(days=back)},openai-billing,{identity.platform.slug},"
                     f"org-1/agent,100,5000,{cost},USD")  # fmt: skip
    lines.append(f"{today},openai-billing,openai,org-1/unknown,5,100,3.50,USD")
    csv_file = tmp_path / "usage.csv"
    csv_file.write_text("\n".join(lines) + "\n")

    sign_in(page, finance.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Usage").click()
    page.get_by_role("link", name="Upload usage CSV").click()
    page.get_by_label("Usage file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("22 new").wait_for()
    page.get_by_text("1 unattributed").wait_for()
    screenshot("usage-upload-preview")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Usage ingested: 22 new").wait_for()

    spike = (
        page.get_by_role("row")
        .filter(has_text="support-agent")
        .filter(has_text="Spike against its own baseline")
    )
    spike.wait_for()
    screenshot("usage-signals-inbox")
    spike.get_by_role("link", name="Spike against its own baseline").click()
    page.get_by_text("vs median 21").wait_for()
    page.get_by_label("Note or reason").fill("Backfill of the support archive; expected.")
    page.get_by_role("button", name="Resolve").click()
    page.get_by_text("Signal resolved.").wait_for()
    page.locator("#signal-status").get_by_text("Resolved").wait_for()
    screenshot("usage-signal-resolved")

    signal = Signal.objects.get(kind="spike")
    assert (signal.status, signal.resolved_by, signal.resolution) == (
        "resolved", finance, "Backfill of the support archive; expected."
    )  # fmt: skip
    identity.refresh_from_db()
    assert identity.status == "active"  # a signal never changes a status
