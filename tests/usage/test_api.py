import datetime as dt

import pytest

from tests.usage.conftest import add_series
from usage.detectors import detect
from usage.models import Signal, UsageRecord


def _payload(identity, today, **extra):
    return {"records": [{"day": today.isoformat(), "source": "billing", "identity": identity.pk,
                         "calls": 7, "cost": "3.10"}], **extra}  # fmt: skip


def test_bulk_post_is_idempotent(api_client, usage_world, finance, today):
    api_client.force_authenticate(finance)
    first = api_client.post("/api/v1/usage/records/", _payload(usage_world["identity"], today),
                            format="json")  # fmt: skip
    assert first.status_code == 200 and first.json()["counts"]["create"] == 1
    again = api_client.post("/api/v1/usage/records/", _payload(usage_world["identity"], today),
                            format="json")  # fmt: skip
    assert again.json()["counts"]["unchanged"] == 1 and UsageRecord.objects.count() == 1


def test_bulk_post_with_row_errors_is_400_and_writes_nothing(api_client, usage_world, finance):
    api_client.force_authenticate(finance)
    response = api_client.post(
        "/api/v1/usage/records/", {"records": [{"day": "x", "source": "b"}]}, format="json"
    )
    assert response.status_code == 400 and response.json()["rows"][0]["errors"]
    assert not UsageRecord.objects.exists()


def test_unknown_top_level_field_is_refused(api_client, usage_world, finance):
    api_client.force_authenticate(finance)
    response = api_client.post("/api/v1/usage/records/", {"records": [], "oops": 1}, format="json")
    assert response.status_code == 400


def test_engineer_cannot_ingest_but_reads_team_records(api_client, usage_world, engineer, today):
    UsageRecord.objects.create(identity=usage_world["identity"], source="b", day=today)
    api_client.force_authenticate(engineer)
    response = api_client.post("/api/v1/usage/records/", _payload(usage_world["identity"], today),
                               format="json")  # fmt: skip
    assert response.status_code == 403
    assert api_client.get("/api/v1/usage/records/").json()["count"] == 1


@pytest.fixture
def signal(usage_world, today):
    add_series(usage_world["identity"], [10] * 12 + [300], end=today)
    detect(start=today, end=today)
    return Signal.objects.get()


def test_signal_triage_by_patch(api_client, signal, finance, engineer):
    api_client.force_authenticate(engineer)
    url = f"/api/v1/usage/signals/{signal.pk}/"
    assert api_client.patch(url, {"status": "resolved"}, format="json").status_code == 403
    api_client.force_authenticate(finance)
    assert api_client.get("/api/v1/usage/signals/?status=open").json()["count"] == 1
    body = api_client.patch(url, {"status": "dismissed", "reason": "planned load test",
                                  "note": "see ticket"}, format="json").json()  # fmt: skip
    assert body["status"] == "dismissed" and body["dismiss_reason"] == "planned load test"
    assert body["notes"][0]["body"] == "see ticket"
    again = api_client.patch(url, {"status": "dismissed", "reason": "x"}, format="json")
    assert again.status_code == 409


def test_out_of_scope_signal_is_404(api_client, signal, outsider):
    api_client.force_authenticate(outsider)
    assert api_client.get(f"/api/v1/usage/signals/{signal.pk}/").status_code == 404
    assert api_client.get("/api/v1/usage/signals/").json()["count"] == 0


def test_signal_list_queries_bounded(
    api_client, usage_world, admin_user, today, django_assert_max_num_queries
):
    from tests.factories import IdentityFactory

    for i in range(10):
        add_series(IdentityFactory(team=usage_world["team"], name=f"a-{i}"), [10] * 12 + [300],
                   end=today)  # fmt: skip
    detect(start=today - dt.timedelta(days=1), end=today)
    api_client.force_authenticate(admin_user)
    with django_assert_max_num_queries(8):
        assert api_client.get("/api/v1/usage/signals/").json()["count"] == 10
