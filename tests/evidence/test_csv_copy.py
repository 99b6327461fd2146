"""On PostgreSQL a CSV export streams from COPY with its cells formatted in SQL; it must be the
same bytes as the Python path writes (columns, the approvers' column groups, ISO timestamps
incl. those nested in credentials, lists, formula quoting, quoting of delimiters, quotes and
line breaks)."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.utils import timezone

from evidence.exports import EXPORTS, export_csv
from evidence.formats import csv_lines

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

# Each would start a formula in a spreadsheet, or needs CSV quoting, or is not ASCII.
NASTY = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2-2",
    "@SUM(A1)",
    "\tindented",
    "\rcarriage",
    'say "hello", then leave',
    "two\nlines",
    "crlf\r\ninside",
    "Zoë, 日本語, emoji 🚀",
    " leading space",
    "back\\slash \\.",
]
COPY_EXPORTS = [key for key, export in EXPORTS.items() if export.csv_cells]
FILLED = ["access", "lifecycle", "credentials"]  # runtime tokens: tests/runtime/test_evidence.py


@pytest.fixture
def nasty(scenario, engineer, owner):
    """Requests, decisions, credentials and a revocation carrying every nasty text; one
    timestamp with no microseconds (ISO drops them) and one credential long expired."""
    from approvals import grants as approval_grants
    from approvals import services as approvals
    from approvals.models import Grant
    from identities.credentials import credential_record

    now = timezone.now()
    for k, text in enumerate(NASTY):
        request = approvals.request_submit(
            actor=engineer,
            kind="exception",
            identity=scenario.identity,
            justification=text,
            excepted_policy="no static keys",
            scope="ledger:write",
            compensating_controls=text,
            duration_hours=1 + k,
        )
        approvals.request_decide(
            request_id=request.pk, actor=owner, outcome="approve", comment=text
        )
        grant = Grant.objects.get(request=request)
        credential = credential_record(
            actor=engineer,
            identity=scenario.identity,
            kind="api_key",
            label=_one_line(text),
            fingerprint=f"SHA256:nasty{k}",
            issued_at=(now - dt.timedelta(days=40 + k, hours=5)).replace(microsecond=0),
            expires_at=now - dt.timedelta(days=k, hours=7),
        )
        approval_grants.grant_link_credential(actor=engineer, grant=grant, credential=credential)
        if k % 2:
            approval_grants.grant_revoke(actor=owner, grant=grant, reason=_one_line(text))
    return scenario


def _one_line(text: str) -> str:
    """Single-line fields refuse line breaks (the text guard); keep the rest of the text."""
    return text.replace("\r", "").replace("\n", " ")


def _python_csv(export, filters) -> bytes:
    return b"".join(line.encode() for line in csv_lines(*export.table(filters, None)))


def _copy_csv(export, filters) -> bytes:
    return b"".join(export_csv(export, filters))


def test_every_query_export_has_sql_cells():
    assert set(FILLED) | {"runtime-tokens"} == set(COPY_EXPORTS)


@pytest.mark.parametrize("key", FILLED)
def test_copy_csv_equals_the_python_csv_byte_for_byte(nasty, key):
    export = EXPORTS[key]
    expected = _python_csv(export, {})
    assert _copy_csv(export, {}) == expected
    assert len(list(csv.reader(io.StringIO(expected.decode(), newline="")))) > 1


def test_copy_csv_quotes_every_formula_start(nasty):
    from approvals.models import Request

    rows = list(csv.DictReader(io.StringIO(_copy_csv(EXPORTS["access"], {}).decode(), newline="")))
    justifications = {r["justification"] for r in rows}
    stored = set(Request.objects.values_list("justification", flat=True))
    assert {"=cmd|' /C calc'!A0", "+1+1", "-2-2", "@SUM(A1)", "two\nlines"} <= stored
    for text in stored:
        assert ("'" + text if text[0] in "=+-@\t\r" else text) in justifications
    assert not [v for r in rows for v in r.values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize(
    "filters",
    [
        {"team": "payments"},
        {"team": "x'); DROP TABLE approvals_request; --"},
        {"platform": "prod-k8s", "kind": "exception"},
        {"date_from": dt.date.today() - dt.timedelta(days=1)},
        {"date_to": dt.date.today() - dt.timedelta(days=10)},
    ],
)
def test_copy_csv_applies_the_same_filters(nasty, filters):
    for key in COPY_EXPORTS:
        export = EXPORTS[key]
        assert _copy_csv(export, filters) == _python_csv(export, filters), key


@pytest.fixture
def deciders(nasty):
    """The first request gets two more decisions (a rejection decided before its approval, a
    late approval at a whole second) with nasty comments: three approver groups, approvals
    first; the other requests leave their later groups empty."""
    from approvals.models import Decision, Request
    from tests.factories import UserFactory

    request = Request.objects.order_by("created_at", "pk").first()
    approved = request.decisions.get()
    for k, (outcome, at) in enumerate(
        [
            ("reject", approved.decided_at - dt.timedelta(minutes=5)),
            ("approve", (approved.decided_at + dt.timedelta(minutes=5)).replace(microsecond=0)),
        ]
    ):
        Decision.objects.create(
            request=request,
            decider=UserFactory(username=f"+decider{k}"),
            outcome=outcome,
            comment=NASTY[k - 4],
            entitled_as="@R of payments",
            decided_at=at,
        )
    return request


def test_copy_csv_spreads_approvers_into_groups_as_the_python_csv(deciders):
    export = EXPORTS["access"]
    body = _copy_csv(export, {})
    assert body == _python_csv(export, {})
    rows = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    assert "approvers" not in rows[0] and "approver_4_name" not in rows[0]
    first = next(r for r in rows if r["request_id"] == str(deciders.pk))
    assert [first[f"approver_{n}_outcome"] for n in (1, 2, 3)] == ["approve", "approve", "reject"]
    assert first["approver_3_name"] == "'+decider0" and first["approver_3_as"] == "'@R of payments"
    late = deciders.decisions.get(decider__username="+decider1").decided_at
    assert first["approver_2_at"] == late.astimezone(dt.UTC).isoformat()
    assert "." not in first["approver_2_at"]
    other = next(r for r in rows if r["request_id"] != str(deciders.pk))
    assert other["approver_1_name"] and other["approver_2_name"] == other["approver_3_at"] == ""


def test_copy_csv_counts_approver_groups_under_the_filters(deciders):
    """Filtered to a period with no request, one (empty) group is enough."""
    export = EXPORTS["access"]
    later = {"date_from": dt.date.today() + dt.timedelta(days=1)}
    header = _copy_csv(export, later).split(b"\r\n")[0].decode().split(",")
    assert [c for c in header if c.startswith("approver_")][-1] == "approver_1_comment"
    assert _copy_csv(export, later) == _python_csv(export, later)


def test_identity_filter_narrows_copy_rows(nasty):
    export = EXPORTS["access"]
    assert _copy_csv(export, {"identity": nasty.identity.pk}) == _python_csv(export, {})
    assert _copy_csv(export, {"identity": nasty.identity.pk + 1000}).count(b"\r\n") == 1
