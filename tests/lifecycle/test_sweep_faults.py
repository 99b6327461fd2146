"""Issue 17.2: one failing row does not stop a sweep or the sweeps after it. The fault is a
real database error raised by a PostgreSQL trigger on one row, not a mock."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from approvals.choices import GrantStatus
from approvals.models import Grant
from core.models import Notification
from lifecycle.models import SweepFailure
from lifecycle.sweeps import run_sweeps
from tests.approvals_helpers import approved_exception

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]  # a PL/pgSQL trigger plants the fault


def _trigger(table: str, when: str, condition: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION steward_test_fault() RETURNS trigger AS $$
            BEGIN
              IF {condition} THEN RAISE EXCEPTION 'injected fault on row %', NEW.id; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER steward_test_fault {when} ON {table}
              FOR EACH ROW EXECUTE FUNCTION steward_test_fault();
        """)


def _drop(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER steward_test_fault ON {table};"
                       "DROP FUNCTION steward_test_fault();")  # fmt: skip


@pytest.fixture
def three_due_grants(lifecycle_world, now):
    identity = lifecycle_world["identity"]
    return [approved_exception(identity, now - timedelta(days=10), days=3) for _ in range(3)]


def test_a_failing_grant_is_isolated_recorded_alerted_and_retried(
    three_due_grants, now, admin_user
):
    bad = three_due_grants[1]
    _trigger("approvals_grant", "BEFORE UPDATE", f"NEW.id = {bad.pk} AND NEW.status <> 'active'")
    results = {r.name: r for r in run_sweeps(now=now)}

    assert list(results) == ["rotation", "expiry", "decommission", "escalation", "reviews"]
    assert results["expiry"].details["grants"] == 2 and results["expiry"].failed == 1
    assert all(r.ok for name, r in results.items() if name != "expiry")
    statuses = dict(Grant.objects.values_list("pk", "status"))
    assert statuses[bad.pk] == GrantStatus.ACTIVE
    assert [statuses[g.pk] for g in three_due_grants if g != bad] == ["expired", "expired"]
    failure = SweepFailure.objects.get()
    assert (failure.sweep, failure.subject_type, failure.subject_id) == (
        "expiry",
        "approvals.grant",
        bad.pk,
    )
    assert f"injected fault on row {bad.pk}" in failure.error and failure.resolved_at is None
    assert Notification.objects.filter(kind="sweep_failed", recipient=admin_user).count() == 1

    # the next run retries it: still failing → the same record, one more attempt
    assert next(r for r in run_sweeps(now=now, only=["expiry"])).failed == 1
    failure.refresh_from_db()
    assert failure.attempts == 2 and SweepFailure.objects.count() == 1

    _drop("approvals_grant")  # the cause is fixed: the next run ends it and resolves the record
    later = now + timedelta(hours=1)
    assert run_sweeps(now=later, only=["expiry"])[0].details["grants"] == 1
    bad.refresh_from_db()
    failure.refresh_from_db()
    assert bad.status == GrantStatus.EXPIRED and failure.resolved_at == later


def test_a_sweep_failing_as_a_whole_does_not_stop_the_others(three_due_grants, now):
    # every notification of the rotation sweep fails: that sweep fails, the rest still run
    from tests.lifecycle.test_sweeps import api_key

    api_key(three_due_grants[0].identity, now, age_days=175)
    _trigger("core_notification", "BEFORE INSERT", "NEW.kind LIKE 'rotation%'")
    results = run_sweeps(now=now)
    assert results[0].name == "rotation" and "injected fault" in results[0].error
    assert results[1].details["grants"] == 3 and all(r.ok for r in results[1:])
    assert SweepFailure.objects.get().sweep == "rotation"


def test_run_sweeps_prints_every_result_and_exits_non_zero_after_all_ran(
    three_due_grants, now, capsys
):
    bad = three_due_grants[0]
    _trigger("approvals_grant", "BEFORE UPDATE", f"NEW.id = {bad.pk} AND NEW.status <> 'active'")
    with pytest.raises(CommandError, match="expiry"):
        call_command("run_sweeps", "--now", now.isoformat())
    out = capsys.readouterr().out
    for name in ("rotation", "expiry", "decommission", "escalation", "reviews"):
        assert f"{name}: " in out
    assert "grants=2" in out and "FAILED rows=1" in out
