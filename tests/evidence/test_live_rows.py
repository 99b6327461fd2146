"""Live rows against the ledger (issue 15.3): an edit of a governed live row made in SQL behind
Steward's back — history untouched, so the chain still links — makes `verify_audit` fail and
name the row (model, pk, fields). On PostgreSQL, like production."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from approvals.models import Decision, PolicyEvaluation
from evidence import ledger, live
from evidence.verification import chain_status
from governance.models import Assignment
from identities.models import LifecycleEvent

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _sql(statement: str, model, params=()) -> None:
    """Tampering: raw SQL against `model`'s table (`{table}` in the statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            statement.format(table=connection.ops.quote_name(model._meta.db_table)), params
        )


def _fails_naming(needle: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit", "--limit", "50")
    report = ledger.verify()
    named = [str(p) for p in report.problems]
    assert any(needle in n for n in named), named
    assert needle in str(exc.value) or any(needle in n for n in named)
    return str(exc.value)


def test_untouched_database_is_intact_including_live_rows(scenario):
    report = ledger.verify()
    assert report.ok, [str(p) for p in report.problems]
    assert report.live_rows_checked
    # No governed field escapes the comparison: the only fields history leaves out are the
    # trusted issuers' fetched-JWKS cache, which the worker refreshes (no one decides it).
    assert report.unverified_fields == {
        "runtime.trustedissuer": ["jwks_fetched", "jwks_fetched_at", "jwks_error"]
    }
    call_command("verify_audit")


def test_forged_decision_decider_and_outcome_are_named(scenario, outsider):
    decision = Decision.objects.get(request=scenario.exception)
    _sql(
        "UPDATE {table} SET decider_id = %s, outcome = 'reject' WHERE id = %s",
        Decision,
        [outsider.pk, decision.pk],
    )
    message = _fails_naming(f"approvals.decision pk={decision.pk}")
    assert "decider_id, outcome" in message
    assert "differs from its latest history record" in message


def test_grant_expiry_pushed_ten_years_is_named(scenario):
    grant = scenario.emergency_grant
    _sql(
        "UPDATE {table} SET expires_at = expires_at + interval '10 years' WHERE id = %s",
        type(grant),
        [grant.pk],
    )
    message = _fails_naming(f"approvals.grant pk={grant.pk}")
    assert message.endswith("in expires_at")


def test_identity_status_is_named(scenario):
    identity = scenario.identity
    _sql("UPDATE {table} SET status = 'active' WHERE id = %s", type(identity), [identity.pk])
    _sql("UPDATE {table} SET risk_tier = 'low' WHERE id = %s", type(identity), [identity.pk])
    message = _fails_naming(f"identities.identity pk={identity.pk}")
    assert "risk_tier" in message


def test_assignment_assignee_is_named(scenario, outsider):
    assignment = Assignment.objects.filter(role="A").order_by("pk").first()
    _sql(
        "UPDATE {table} SET assignee_user_id = %s WHERE id = %s",
        Assignment,
        [outsider.pk, assignment.pk],
    )
    message = _fails_naming(f"governance.assignment pk={assignment.pk}")
    assert "assignee_user_id" in message


def test_credential_expiry_is_named(scenario):
    credential = scenario.credential
    _sql(
        "UPDATE {table} SET expires_at = %s WHERE id = %s",
        type(credential),
        [credential.expires_at + timedelta(days=3650), credential.pk],
    )
    message = _fails_naming(f"identities.credential pk={credential.pk}")
    assert "expires_at" in message


def test_a_governed_row_deleted_or_inserted_in_sql_is_named(scenario, outsider):
    decision = Decision.objects.get(request=scenario.onboarding)
    _sql("DELETE FROM {table} WHERE id = %s", Decision, [decision.pk])
    _sql(
        "INSERT INTO {table} (request_id, decider_id, outcome, comment, entitled_as, decided_at)"
        " VALUES (%s, %s, 'approve', '', 'forged', now())",
        Decision,
        [scenario.emergency.pk, outsider.pk],
    )
    reasons = {(p.source, p.reason) for p in ledger.verify().problems}
    assert ("approvals.decision", "live row deleted without a history record") in reasons
    assert ("approvals.decision", "live row has no history record") in reasons


def test_append_only_rows_are_compared_with_their_chained_payload(scenario):
    event = LifecycleEvent.objects.filter(identity=scenario.identity).order_by("pk").first()
    evaluation = PolicyEvaluation.objects.get(request=scenario.emergency)
    _sql("UPDATE {table} SET summary = 'no' WHERE id = %s", LifecycleEvent, [event.pk])
    _sql("UPDATE {table} SET outcome = 'approve' WHERE id = %s", PolicyEvaluation, [evaluation.pk])
    named = {(p.source, p.record_pk, p.reason) for p in ledger.verify().problems}
    assert ("identities.lifecycleevent", event.pk, "recorded row was changed") in named
    assert ("approvals.policyevaluation", evaluation.pk, "recorded row was changed") in named


def test_verify_now_and_chain_api_name_the_row(
    scenario, client, auditor, api_client, django_capture_on_commit_callbacks
):
    from config.celery import app

    grant = scenario.exception_grant
    _sql("UPDATE {table} SET status = 'active' WHERE id = %s", type(grant), [grant.pk])
    client.force_login(auditor)
    app.conf.task_always_eager = True  # the worker, in process
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/evidence/audit/verify/")
    finally:
        app.conf.task_always_eager = False
    page = client.get("/evidence/audit/").content.decode()
    assert f"approvals.grant pk={grant.pk}" in page
    api_client.force_authenticate(auditor)
    body = api_client.get("/api/v1/evidence/chain/").json()
    assert body["ok"] is False
    assert any(f"approvals.grant pk={grant.pk}: " in n for n in body["named"])
    assert chain_status()["ok"] is False


def test_chunks_cover_every_row(scenario, monkeypatch):
    """Ranges of 2 rows: a mismatch in any chunk, and the open-ended last one, is found."""
    monkeypatch.setattr(live, "CHUNK", 2)
    assert live.compare_all()[0] == []
    last = Assignment.objects.order_by("-pk").first()
    first = Assignment.objects.order_by("pk").first()
    _sql("UPDATE {table} SET role = 'I' WHERE id IN (%s, %s)", Assignment, [first.pk, last.pk])
    found = {m.pk for m in live.compare_all()[0] if m.source == "governance.assignment"}
    assert found == {first.pk, last.pk}


def test_fields_excluded_from_history_are_reported_unverified_not_passed():
    """simple-history's `excluded_fields` have no history column: nothing to compare them
    with, so the report lists them instead of vouching for them."""
    from types import SimpleNamespace as NS

    def meta(*columns, pk="id"):
        fields = [NS(attname=c, column=c) for c in columns]
        return NS(_meta=NS(concrete_fields=fields, pk=NS(column=pk)))

    live_model = meta("id", "status", "secret_note", "owner_id")
    history_model = meta("id", "status", "owner_id", "history_id", pk="history_id")
    compared, unverified = live.tracked_fields(live_model, history_model)
    assert compared == [("status", "status"), ("owner_id", "owner_id")]
    assert unverified == ["secret_note"]
