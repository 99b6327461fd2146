import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from identities.models import Identity
from tests.factories import IdentityFactory
from usage.ingest import UsageFileError, read_csv
from usage.models import UsageRecord
from usage.services import usage_ingest


def _rows(identity, today, n=3, cost="1.50"):
    return [
        (
            f"[{i}]",
            {
                "day": (today - dt.timedelta(days=i)).isoformat(),
                "source": "billing",
                "platform": identity.platform.slug,
                "external_id": identity.external_id,
                "calls": "10",
                "cost": cost,
            },
        )
        for i in range(n)
    ]


def test_reingesting_the_same_rows_is_idempotent(usage_world, finance, today):
    identity = usage_world["identity"]
    plan = usage_ingest(actor=finance, rows=_rows(identity, today))
    assert plan.applied and plan.counts["create"] == 3
    again = usage_ingest(actor=finance, rows=_rows(identity, today))
    assert again.counts["unchanged"] == 3 and again.counts["create"] == 0
    assert UsageRecord.objects.count() == 3
    changed = usage_ingest(actor=finance, rows=_rows(identity, today, cost="2.00"))
    assert changed.counts["update"] == 3
    assert set(UsageRecord.objects.values_list("cost", flat=True)) == {Decimal("2.0000")}


def test_identity_last_used_moves_forward_with_history(usage_world, finance, today):
    identity = usage_world["identity"]
    usage_ingest(actor=finance, rows=_rows(identity, today))
    identity.refresh_from_db()
    assert identity.last_used_at.date() == today
    latest = identity.history.first()
    assert latest.history_user.username == "steward-system"
    assert "usage records" in latest.history_change_reason
    count = identity.history.count()
    usage_ingest(actor=finance, rows=_rows(identity, today - dt.timedelta(days=5)))
    assert Identity.objects.get(pk=identity.pk).history.count() == count  # older: unchanged


def test_unknown_identity_is_kept_as_unattributed(usage_world, finance, today):
    rows = [("[0]", {"day": today.isoformat(), "source": "openai", "platform": "openai",
                     "external_id": "org-9/proj-x", "cost": "9.99"})]  # fmt: skip
    plan = usage_ingest(actor=finance, rows=rows)
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 0,
                           "unattributed": 1}  # fmt: skip
    record = UsageRecord.objects.get()
    assert record.identity is None
    assert (record.platform_ref, record.external_ref) == ("openai", "org-9/proj-x")
    assert usage_ingest(actor=finance, rows=rows).counts["unchanged"] == 1


def test_by_steward_id_and_per_row_errors_write_nothing(usage_world, finance, today):
    identity = usage_world["identity"]
    rows = [
        ("[0]", {"day": today.isoformat(), "source": "gw", "identity": identity.pk, "calls": 5}),
        ("[1]", {"day": "yesterday", "source": "gw", "identity": identity.pk}),
        ("[2]", {"day": today.isoformat(), "source": "gw", "identity": 999999}),
        ("[3]", {"day": today.isoformat(), "source": "gw", "identity": identity.pk, "cost": "-1"}),
        (
            "[4]",
            {"day": today.isoformat(), "source": "gw", "identity": identity.pk, "token": "x"},
        ),
        ("[5]", {"day": today.isoformat(), "source": "gw", "identity": identity.pk, "calls": 6}),
    ]
    plan = usage_ingest(actor=finance, rows=rows)
    assert not plan.applied and not UsageRecord.objects.exists()
    assert set(plan.errors) == {"[1]", "[2]", "[3]", "[4]", "[5]"}
    assert "Same identity, day and source" in plan.errors["[5]"][0]


def test_dry_run_writes_nothing(usage_world, finance, today):
    plan = usage_ingest(actor=finance, rows=_rows(usage_world["identity"], today), dry_run=True)
    assert plan.counts["create"] == 3 and not plan.applied
    assert not UsageRecord.objects.exists()


def test_only_admins_and_consumption_owners_ingest(usage_world, engineer, owner, today):
    with pytest.raises(PermissionDenied):
        usage_ingest(actor=engineer, rows=_rows(usage_world["identity"], today))
    with pytest.raises(PermissionDenied):
        usage_ingest(actor=owner, rows=_rows(usage_world["identity"], today))


def test_csv_reading_refuses_unknown_columns():
    with pytest.raises(UsageFileError):
        read_csv("day,source,secret\n2026-01-01,x,y\n")
    assert read_csv("day,source,identity\n2026-01-01,x,1\n\n") == [
        ("line 2", {"day": "2026-01-01", "source": "x", "identity": "1"})
    ]


def test_ingestion_queries_are_bounded(usage_world, finance, today, django_assert_max_num_queries):
    identities = [IdentityFactory(team=usage_world["team"]) for _ in range(20)]
    rows = [
        (
            f"{i}-{d}",
            {
                "day": (today - dt.timedelta(days=d)).isoformat(),
                "source": "b",
                "identity": identity.pk,
                "cost": "1",
            },
        )
        for i, identity in enumerate(identities)
        for d in range(5)
    ]
    with django_assert_max_num_queries(20):
        plan = usage_ingest(actor=finance, rows=rows, detect=False)
    assert plan.counts["create"] == 100
    rows = [(ref, {**raw, "cost": "2"}) for ref, raw in rows]
    with django_assert_max_num_queries(20):
        assert usage_ingest(actor=finance, rows=rows, detect=False).counts["update"] == 100


def test_a_team_level_consumption_owner_records_only_what_they_own(usage_world, today):
    from tests.factories import UserFactory
    from tests.governance.factories import AssignmentFactory

    lead = UserFactory(username="tina-team-finance")
    AssignmentFactory(domain=usage_world["domains"]["consumption"], scope_kind="team",
                      team=usage_world["team"], role="A", assignee_user=lead)  # fmt: skip
    elsewhere = IdentityFactory(name="other-teams-bot")
    plan = usage_ingest(actor=lead, rows=_rows(elsewhere, today, n=1))
    assert plan.has_errors and "consumption you own" in plan.errors["[0]"][0]
    assert plan.rows[0].identity_name == ""  # names nothing outside the owner's scope
    usage_ingest(actor=lead, rows=_rows(usage_world["identity"], today, n=2))
    assert UsageRecord.objects.count() == 2
    assert not UsageRecord.objects.filter(identity=elsewhere).exists()


def test_usage_dated_tomorrow_never_puts_last_use_in_the_future(usage_world, finance, today):
    from django.utils import timezone

    identity = usage_world["identity"]
    rows = _rows(identity, today + dt.timedelta(days=1), n=1)
    assert usage_ingest(actor=finance, rows=rows).applied
    identity.refresh_from_db()
    assert identity.last_used_at is not None and identity.last_used_at <= timezone.now()
