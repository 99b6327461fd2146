"""Finance (the consumption A): uploads a usage CSV, triages the spike it raises (a signal
never changes the identity), and reads the chargeback per team."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from governance.services import permissions_sync
from tests.e2e.journeys import screen  # noqa: F401 - the viewport fixture
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from usage import services as usage_services
from usage.detectors import detect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(governed, monkeypatch, tmp_path):
    finance = UserFactory(username="fran-finance")
    governed["consumption"].assignments.filter(scope_kind="global", role="A").update(
        assignee_user=finance
    )
    team = TeamFactory(slug="data-science", name="Data Science")
    identity = IdentityFactory(team=team, name="support-agent", external_id="org-1/agent")
    permissions_sync()
    # the ingestion enqueues the detectors after commit; run them in-process (no worker here)
    monkeypatch.setattr(
        usage_services, "_enqueue_detect", lambda first, last: detect(start=first, end=last)
    )
    today = timezone.localdate()
    lines, total = ["day,source,platform,external_id,calls,tokens,cost,currency"], Decimal()
    for back in range(20, -1, -1):
        cost = Decimal("480.00") if back == 0 else Decimal(20 + back % 3)
        total += cost
        lines.append(f"{today - dt.timedelta(days=back)},openai-billing,{identity.platform.slug},"
                     f"org-1/agent,100,5000,{cost:.2f},USD")  # fmt: skip
    lines.append(f"{today},openai-billing,openai,org-1/unknown,5,100,3.50,USD")
    csv_file = tmp_path / "usage.csv"
    csv_file.write_text("\n".join(lines) + "\n")
    return {"finance": finance, "identity": identity, "csv": csv_file, "total": total}


def test_finance_uploads_triages_a_spike_and_reads_chargeback(screen, world):  # noqa: F811
    page = screen.page
    screen.sign_in(world["finance"].username)
    page.goto("/usage/upload/")
    page.get_by_label("Usage file").set_input_files(str(world["csv"]))
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("22 new").wait_for()
    page.get_by_text("1 unattributed").wait_for()
    screen.shot("finance", "upload-preview")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Usage ingested: 22 new").wait_for()

    spike = page.get_by_role("row").filter(has_text="support-agent").filter(
        has_text="Spike against its own baseline"
    )
    spike.wait_for()
    screen.shot("finance", "signals")
    spike.get_by_role("link", name="Spike against its own baseline").click()
    page.get_by_text("vs median 21").wait_for()
    page.get_by_label("Note or reason").fill("Backfill of the support archive; expected.")
    page.get_by_role("button", name="Resolve").click()
    page.get_by_text("Signal resolved.").wait_for()
    page.locator("#signal-status").get_by_text("Resolved").wait_for()
    screen.shot("finance", "signal-resolved")
    world["identity"].refresh_from_db()
    assert world["identity"].status == "active"  # a signal never changes a status

    page.goto("/usage/chargeback/")
    row = page.get_by_role("row").filter(has_text="Data Science")
    row.wait_for()
    assert f"{world['total']:.2f}" in row.inner_text()
    assert "USD" in row.inner_text()
    screen.shot("finance", "chargeback")
