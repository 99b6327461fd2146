"""Runtime access as evidence: exchanges and tokens chained in the ledger (revocations too),
the runtime-tokens export, per-grant token columns in the access export, the catalog check."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from evidence import ledger
from evidence.checks import run_check
from evidence.exports import EXPORTS
from evidence.models import LedgerEntry
from runtime.models import IssuedToken, TokenExchange
from runtime.services import runtime_policy_update, tokens_revoke_all
from tests.approvals_helpers import approved_exception

from .conftest import FORM, exchange_form, k8s_claims, sign

pytestmark = pytest.mark.django_db


def exchange(client, **extra):
    data = exchange_form(sign("rsa", k8s_claims()), **extra)
    return client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)


@pytest.fixture
def granted(workload, admin_user):
    runtime_policy_update(actor=admin_user, reason="gated", grant_scopes=["ledger:write"])
    grant = approved_exception(
        workload, timezone.now() - dt.timedelta(minutes=5), days=1, scopes=["ledger:write"]
    )
    return grant


def test_exchanges_and_tokens_are_chained_and_verify(client, granted, owner):
    assert exchange(client, scope="ledger:write").status_code == 200
    workload = granted.identity
    workload.status = "suspended"
    workload.save()
    assert exchange(client).status_code == 400
    tokens_revoke_all(actor=owner, grant=granted, reason="incident")
    ledger.chain()
    sources = ledger.sources()
    assert "runtime.tokenexchange" in sources and "runtime.historicalissuedtoken" in sources
    for name in ("runtime.tokenexchange", "runtime.historicalissuedtoken"):
        assert not ledger.unchained(sources[name]).exists(), name
    assert LedgerEntry.objects.filter(source="runtime.tokenexchange").count() == 2
    # issued + revoked: two history rows of the token, both chained
    assert LedgerEntry.objects.filter(source="runtime.historicalissuedtoken").count() == 2
    report = ledger.verify()
    assert report.ok, [str(p) for p in report.problems]


def test_an_edit_of_a_token_record_behind_stewards_back_is_named(client, workload):
    assert exchange(client).status_code == 200
    table = connection.ops.quote_name(IssuedToken.history.model._meta.db_table)
    with connection.cursor() as cursor:
        later = timezone.now() + dt.timedelta(days=1)
        cursor.execute(f"UPDATE {table} SET expires_at = %s", [later])  # noqa: S608
    assert not ledger.verify().ok


def test_runtime_tokens_export_has_one_row_per_token(client, granted, owner):
    assert exchange(client, scope="ledger:write").status_code == 200
    assert exchange(client, scope="ledger:read").status_code == 200
    tokens_revoke_all(actor=owner, grant=granted, reason="incident")
    rows = list(EXPORTS["runtime-tokens"].rows({}, owner))
    assert len(rows) == 2 and set(rows[0]) == set(EXPORTS["runtime-tokens"].columns)
    by_grant = {r["grant_id"]: r for r in rows}
    revoked = by_grant[granted.pk]
    assert revoked["ended_how"] == "revoked" and revoked["revoked_by"] == owner.username
    assert revoked["subject"] == "system:serviceaccount:payments:ledger-sync"
    assert revoked["policy_version"] == 2 and revoked["scopes"] == "ledger:write"
    assert by_grant[None]["ended_how"] is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_token_columns_stream_from_copy_as_the_python_path_writes_them(client, granted, owner):
    from evidence.exports import export_csv
    from evidence.formats import csv_lines

    assert exchange(client, scope="ledger:write").status_code == 200
    assert exchange(client, scope="ledger:read").status_code == 200
    tokens_revoke_all(actor=owner, grant=granted, reason="=incident")
    # the header and the two tokens' rows; the header and the grant's request with its tokens
    for key, lines in (("runtime-tokens", 3), ("access", 2)):
        export = EXPORTS[key]
        python = "".join(csv_lines(*export.table({}, owner))).encode()
        assert b"".join(export_csv(export, {}, owner)) == python, key
        assert python.count(b"\r\n") == lines, key


def test_access_export_names_the_tokens_issued_under_a_grant(client, granted, owner):
    assert exchange(client, scope="ledger:write").status_code == 200
    assert exchange(client, scope="ledger:write").status_code == 200
    tokens_revoke_all(actor=owner, grant=granted, reason="incident")
    row = next(r for r in EXPORTS["access"].rows({}, owner) if r["grant_id"] == granted.pk)
    tokens = IssuedToken.objects.filter(grant=granted).order_by("issued_at")
    assert row["tokens_issued"] == 2 and row["runtime_scopes"] == "ledger:write"
    assert row["tokens_first_issued"] == tokens.first().issued_at.astimezone(dt.UTC).isoformat()
    assert row["tokens_latest_expiry"] is not None and row["tokens_revoked_at"] is not None


def test_catalog_maps_runtime_tokens_to_nhi7_and_pr_aa(client, workload):
    from evidence.catalog import control_get

    assert "runtime_tokens_bounded" in control_get("NHI7").checks
    assert "runtime_tokens_bounded" in control_get("PR.AA-01").checks
    assert run_check("runtime_tokens_bounded").status == "not_evaluated"
    assert exchange(client).status_code == 200
    result = run_check("runtime_tokens_bounded")
    assert result.status == "pass" and result.total == 1


def test_refused_exchange_row_is_append_only(client, workload):
    from django.core.exceptions import ValidationError

    workload.status = "suspended"
    workload.save()
    exchange(client)
    row = TokenExchange.objects.get()
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
