"""Access evidence answers the four questions in one row: who approved it, what policy (and
version) evaluated it, which secret or token was issued, when it expired or was revoked."""

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from evidence.exports import EXPORTS, access_rows

pytestmark = pytest.mark.django_db


def _rows(**filters):
    return {r["request_id"]: r for r in access_rows(filters)}


def test_exception_row_answers_the_four_questions(scenario, owner):
    row = _rows()[scenario.exception.pk]
    # who approved it, entitled as what, when
    assert [(a["decider"], a["outcome"], a["entitled_as"]) for a in row["approvers"]] == [
        (owner.username, "approve", "A of Runtime policy (platform security)")
    ]
    assert row["approvers"][0]["at"]
    # what policy (and version) evaluated it
    assert (row["policy_key"], row["policy_version"], row["policy_outcome"]) == (
        "exception",
        1,
        "needs_approval",
    )
    assert row["policy_reasons"] == []
    # which secret or token was issued under it
    cred = scenario.credential
    assert [(c["id"], c["fingerprint"]) for c in row["credentials"]] == [(cred.pk, "SHA256:abc123")]
    assert row["credentials"][0]["issued_at"] == cred.issued_at.isoformat()
    assert row["credentials"][0]["expires_at"] == cred.expires_at.isoformat()
    # when it expired
    grant = scenario.exception_grant
    assert (row["ended_how"], row["ended_at"], row["ended_by"]) == (
        "expired",
        grant.ended_at.isoformat(),
        "steward-system",
    )
    # and the context: identity, requester, asked vs granted window, owner at request time
    assert (row["external_id"], row["team"], row["platform"]) == (
        "payments/ledger-writer",
        "Payments",
        "prod-k8s",
    )
    assert row["requester"] == "erin-engineer"
    assert row["grant_start"] == grant.starts_at.isoformat()
    assert row["grant_end"] == grant.expires_at.isoformat()
    assert row["requested_end"] == scenario.exception.requested_end.isoformat()
    assert row["accountable_owner"] == owner.username


def test_emergency_row_names_who_revoked_it_and_no_approver(scenario, owner):
    row = _rows()[scenario.emergency.pk]
    assert row["policy_outcome"] == "active_at_once"
    assert row["approvers"] == []
    assert (row["ended_how"], row["ended_by"], row["end_reason"]) == (
        "revoked",
        owner.username,
        "incident closed",
    )
    assert row["review_due_at"] and row["reviewed_at"] is None
    assert row["credentials"] == []


def test_onboarding_row_names_the_approver(scenario, owner):
    row = _rows()[scenario.onboarding.pk]
    assert row["approvers"][0]["decider"] == owner.username
    assert row["approvers"][0]["entitled_as"] == "A of Identity (IAM)"
    assert row["ended_how"] is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "emergency"}, {"emergency"}),
        ({"team": "payments"}, {"onboarding", "exception", "emergency"}),
        ({"team": "nope"}, set()),
        ({"platform": "prod-k8s", "kind": "exception"}, {"exception"}),
        ({"control": "NHI5"}, {"exception", "emergency"}),
        ({"control": "PR.AA-01"}, set()),
    ],
)
def test_access_filters(scenario, filters, expected):
    assert {r["request_kind"] for r in access_rows(filters)} == expected


def test_identity_and_period_filters(scenario):
    import datetime as dt

    assert len(_rows(identity=scenario.identity.pk)) == 3
    assert _rows(identity=scenario.identity.pk + 999) == {}
    today = dt.date.today()
    assert (
        len(_rows(date_from=today - dt.timedelta(days=1), date_to=today + dt.timedelta(days=1)))
        == 3
    )
    assert _rows(date_to=today - dt.timedelta(days=10)) == {}


def test_access_rows_take_one_query_on_postgres(scenario, django_assert_max_num_queries):
    from django.db import connection

    limit = 1 if connection.vendor == "postgresql" else 3
    with django_assert_max_num_queries(limit):
        assert len(list(access_rows({}))) == 3


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_every_export_downloads_in_every_format(scenario, client, auditor, fmt):
    client.force_login(auditor)
    for key in EXPORTS:
        response = client.get(f"/evidence/exports/{key}.{fmt}")
        assert response.status_code == 200, key
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # CSV and XLSX spread the approvers into column groups; JSON Lines keep the list
        table_header = EXPORTS[key].table({}, auditor)[0]
        if fmt == "csv":
            header = next(csv.reader(io.StringIO(body.decode())))
            assert header == table_header
        elif fmt == "jsonl":
            lines = [json.loads(line) for line in body.decode().splitlines()]
            assert all(set(line) == set(EXPORTS[key].columns) for line in lines)
        else:
            sheet = load_workbook(io.BytesIO(body), read_only=True).active
            assert [c.value for c in next(sheet.iter_rows())] == table_header
        if key != "access":
            assert table_header == EXPORTS[key].columns


def test_access_csv_has_one_column_group_per_approver(scenario, client, auditor):
    client.force_login(auditor)
    response = client.get("/evidence/exports/access.csv?kind=exception")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert "approvers" not in row
    assert (row["approver_1_name"], row["approver_1_outcome"], row["approver_1_as"]) == (
        "olu-owner",
        "approve",
        "A of Runtime policy (platform security)",
    )
    scenario.exception.refresh_from_db()
    assert row["approver_1_at"] == scenario.exception.decided_at.astimezone(dt.UTC).isoformat()
    assert "fingerprint=SHA256:abc123" in row["credentials"]
    assert row["ended_how"] == "expired"


def test_access_export_has_as_many_approver_groups_as_the_most_decided_request(
    governed, engineer, owner, admin_user, auditor, client
):
    """A critical identity's exception needs two approvals: both approvers get their own
    group, in the order they decided, in CSV and XLSX alike."""
    from approvals.models import ApprovalPolicy
    from approvals.services import policy_update, request_decide
    from tests.approvals.factories import submit_exception
    from tests.factories import IdentityFactory, TeamFactory
    from tests.governance.factories import AssignmentFactory

    team = TeamFactory(members=[engineer])
    policy = ApprovalPolicy.objects.get(kind="exception")
    policy_update(actor=admin_user, policy=policy, reason="A or R", approver_roles="AR")
    AssignmentFactory(domain=governed["runtime_policy"], scope_kind="team", team=team,
                      role="R", assignee_user=admin_user)  # fmt: skip
    request = submit_exception(actor=engineer, identity=IdentityFactory(team=team,
                               risk_tier="critical"))  # fmt: skip
    for approver in (owner, admin_user):
        request_decide(request_id=request.pk, actor=approver, outcome="approve")
    client.force_login(auditor)
    body = b"".join(client.get("/evidence/exports/access.csv").streaming_content).decode()
    (row,) = csv.DictReader(io.StringIO(body))
    assert [row["approver_1_name"], row["approver_2_name"]] == [owner.username, "alice-admin"]
    assert "approver_3_name" not in row
    sheet = load_workbook(io.BytesIO(client.get("/evidence/exports/access.xlsx").getvalue())).active
    header = [c.value for c in sheet[1]]
    assert header.index("approver_2_name") == header.index("approver_1_name") + 5
    assert sheet.cell(2, header.index("approver_2_name") + 1).value == "alice-admin"


def test_xlsx_is_a_table_people_open(scenario, client, auditor):
    """Frozen header, filters on every column, widths that fit, times as date cells."""
    client.force_login(auditor)
    body = client.get("/evidence/exports/access.xlsx").getvalue()
    sheet = load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    assert all(c.font.b for c in sheet[1])
    widths = {
        name: sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width
        for i, name in enumerate(header)
    }
    assert widths["justification"] > widths["request_id"] >= len("request_id")
    requested_at = sheet.cell(2, header.index("requested_at") + 1)
    assert isinstance(requested_at.value, dt.datetime) and requested_at.is_date
    first = scenario.onboarding.created_at.astimezone(dt.UTC).replace(tzinfo=None)
    assert abs(requested_at.value - first) < dt.timedelta(seconds=1)
    assert sheet.cell(2, header.index("identity") + 1).data_type == "s"


def test_credential_inventory_has_ages_and_grant(scenario):
    rows = list(EXPORTS["credentials"].rows({}, None))
    assert rows[0]["grant_id"] == scenario.exception_grant.pk
    # it ended with its grant (49 hours after issue, issue 17.5), so its age stops there
    assert rows[0]["status"] == "revoked"
    assert rows[0]["age_days"] == 2 and rows[0]["days_to_expiry"] in (1, 2)


def test_lifecycle_export_lists_the_timeline(scenario):
    kinds = [r["kind"] for r in EXPORTS["lifecycle"].rows({"identity": scenario.identity.pk}, None)]
    assert {
        "onboarded",
        "grant_activated",
        "grant_expired",
        "grant_revoked",
        "credential_issued",
    } <= set(kinds)


def test_raci_export_is_as_of_the_period_end(scenario, auditor):
    import datetime as dt

    assert list(EXPORTS["raci"].rows({}, auditor))
    old = {"date_to": dt.date.today() - dt.timedelta(days=400)}
    assert list(EXPORTS["raci"].rows(old, auditor)) == []


def test_xlsx_never_writes_formulas(governed, engineer, client, auditor):
    from approvals.services import request_submit
    from tests.factories import IdentityFactory, TeamFactory

    identity = IdentityFactory(team=TeamFactory(members=[engineer]))
    request_submit(
        actor=engineer,
        kind="exception",
        identity=identity,
        justification='=HYPERLINK("http://evil")',
        excepted_policy="p",
        scope="s",
        compensating_controls="c",
        duration_hours=1,
    )
    client.force_login(auditor)
    body = client.get("/evidence/exports/access.xlsx").getvalue()
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
