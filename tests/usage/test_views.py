import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import ADMINS
from tests.conftest import PERSONAS
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.usage.conftest import add_series
from usage.choices import SignalStatus
from usage.detectors import detect
from usage.models import Signal, UsageRecord


@pytest.fixture
def spiked(usage_world, today):
    add_series(usage_world["identity"], [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 250], end=today)
    detect(start=today, end=today)
    return Signal.objects.get()


PAGES = ["usage:signals", "usage:records", "usage:chargeback", "usage:chargeback-csv"]
# (persona) -> sees the pages; outsider has no role
ALLOWED = {"admin_user", "auditor", "engineer", "owner"}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("name", PAGES)
def test_usage_pages_by_role(client, persona, name, spiked, request):
    from django.urls import reverse

    client.force_login(persona)
    response = client.get(reverse(name))
    allowed = request.node.callspec.params["persona"] in ALLOWED
    assert response.status_code == (200 if allowed else 403)


def test_finance_sees_the_signal_engineer_of_other_team_does_not(client, spiked, finance):
    other = UserFactory(username="eve-other", groups=["engineers"])
    TeamFactory(slug="other", members=[other])
    client.force_login(finance)
    assert client.get(f"/usage/signals/{spiked.pk}/").status_code == 200
    assert spiked.summary.split(":")[0] in client.get("/usage/").content.decode()
    client.force_login(other)
    assert client.get(f"/usage/signals/{spiked.pk}/").status_code == 404
    assert "ledger-writer" not in client.get("/usage/").content.decode()


def test_engineer_of_the_team_reads_but_cannot_triage(client, spiked, engineer):
    client.force_login(engineer)
    assert client.get(f"/usage/signals/{spiked.pk}/").status_code == 200
    response = client.post(f"/usage/signals/{spiked.pk}/", {"status": "resolved"})
    assert response.status_code == 403
    assert Signal.objects.get().status == SignalStatus.OPEN


def test_finance_triages_open_investigating_resolved(client, spiked, finance):
    client.force_login(finance)
    url = f"/usage/signals/{spiked.pk}/"
    client.post(url, {"status": "investigating", "reason": "asked the team"})
    client.post(url, {"action": "note", "body": "batch job rerun"})
    assert client.post(url, {"status": "dismissed"}).status_code == 400  # reason required
    client.post(url, {"status": "resolved", "reason": "expected backfill"})
    signal = Signal.objects.get()
    assert (signal.status, signal.resolved_by, signal.resolution) == (
        "resolved",
        finance,
        "expected backfill",
    )
    assert signal.notes.count() == 2
    assert signal.history.count() == 3


def test_upload_preview_then_apply(client, usage_world, finance, today):
    identity = usage_world["identity"]
    body = (
        "day,source,platform,external_id,calls,cost\n"
        + "".join(
            f"{today - dt.timedelta(days=i)},billing,{identity.platform.slug},"
            f"{identity.external_id},3,1.25\n"
            for i in range(3)
        )
        + f"{today},billing,openai,unknown-9,1,4\n"
    )
    client.force_login(finance)
    response = client.post("/usage/upload/", {
        "file": SimpleUploadedFile("u.csv", body.encode(), "text/csv"), "action": "preview"
    })  # fmt: skip
    assert response.status_code == 200 and not UsageRecord.objects.exists()
    assert "1 unattributed" in response.content.decode()
    response = client.post("/usage/upload/", {"content": body, "action": "apply"})
    assert response.status_code == 302
    assert UsageRecord.objects.count() == 4
    assert UsageRecord.objects.filter(identity__isnull=True).count() == 1


def test_upload_with_errors_is_refused(client, usage_world, finance):
    client.force_login(finance)
    response = client.post("/usage/upload/", {"content": "day,source,identity\nnope,x,1\n",
                                              "action": "apply"})  # fmt: skip
    assert response.status_code == 400 and not UsageRecord.objects.exists()
    assert "YYYY-MM-DD" in response.content.decode()


def test_upload_page_is_for_consumption_owners_and_admins(client, usage_world, engineer, finance):
    client.force_login(engineer)
    assert client.get("/usage/upload/").status_code == 403
    client.force_login(finance)
    assert client.get("/usage/upload/").status_code == 200


def test_chargeback_groups_and_csv(client, usage_world, admin_user, today):
    UsageRecord.objects.create(identity=usage_world["identity"], source="b", day=today,
                               cost=Decimal("10"))  # fmt: skip
    UsageRecord.objects.create(platform_ref="x", external_ref="y", source="b", day=today,
                               cost=Decimal("5"))  # fmt: skip
    client.force_login(admin_user)
    page = client.get("/usage/chargeback/?group=team").content.decode()
    assert ("<svg" in page and "payments" in page.lower()) or "Team" in page
    csv = client.get("/usage/chargeback.csv?group=platform").content.decode()
    assert "(unattributed) x" in csv and "10.00" in csv


def test_panels_render(client, spiked, admin_user):
    client.force_login(admin_user)
    panel = client.get(f"/usage/panels/identity/{spiked.identity_id}/")
    assert panel.status_code == 200 and "<rect" in panel.content.decode()
    assert client.get("/usage/panels/dashboard/").status_code == 200


def test_triage_pages_queries_are_bounded(
    client, usage_world, admin_user, today, django_assert_max_num_queries
):
    for i in range(15):
        identity = IdentityFactory(team=usage_world["team"], name=f"q-{i}")
        add_series(identity, [10] * 12 + [400], end=today)
    detect(start=today, end=today)
    signal = Signal.objects.first()
    admin = UserFactory(username="q-admin", groups=[ADMINS])
    client.force_login(admin)
    client.get("/usage/")  # warm the session
    with django_assert_max_num_queries(14):
        assert client.get("/usage/").status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(f"/usage/signals/{signal.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/usage/records/").status_code == 200


def test_unassigned_signals_render(client, usage_world, admin_user, today):
    UsageRecord.objects.create(platform_ref="p", external_ref="e", source="b", day=today,
                               cost=Decimal("3"))  # fmt: skip
    detect(start=today, end=today)
    client.force_login(admin_user)
    assert "admins" in client.get("/usage/").content.decode()
    signal = Signal.objects.get()
    assert client.get(f"/usage/signals/{signal.pk}/").status_code == 200
