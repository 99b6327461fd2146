"""Auditor: reads the audit browser (names and labels, not ids and keys), the access evidence
and its XLSX (frozen header, one column group per approver, date cells), and the posture page
whose figures match the dashboard's."""

import datetime as dt
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook

from lifecycle.defaults import seed_rotation_policies
from lifecycle.models import RotationPolicy
from tests.e2e.journeys import screen  # noqa: F401 - the viewport fixture
from tests.evidence.conftest import scenario  # noqa: F401 - the evidence scenario fixture
from tests.factories import CredentialFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(scenario):  # noqa: F811
    seed_rotation_policies(RotationPolicy, RotationPolicy.history.model)
    CredentialFactory(identity=scenario.identity, label="old deploy key",
                      issued_at=timezone.now() - timedelta(days=400))  # fmt: skip
    return scenario


def test_auditor_reads_audit_evidence_exports_and_posture(screen, auditor, world):  # noqa: F811
    page = screen.page
    screen.sign_in(auditor.username)
    dashboard_overdue = page.locator("#card-rotation-overdue")
    dashboard_overdue.wait_for()
    overdue = dashboard_overdue.inner_text()
    assert overdue == "1"
    screen.shot("auditor", "dashboard")

    page.goto("/evidence/audit/?model=identities.identity")
    changes = page.get_by_role("table").filter(has_text="ledger-writer")
    changes.wait_for()
    text = changes.inner_text()
    assert "Pending" in text and "Active" in text and "Payments" in text
    assert "service_account" not in text
    screen.shot("auditor", "audit-browser")

    page.goto("/evidence/?kind=exception")
    row = page.get_by_role("row").filter(has_text="ledger-writer")
    row.get_by_text("Policy exception").first.wait_for()
    approver = get_user_model().objects.get(username="olu-owner")
    assert approver.get_full_name() in row.inner_text() and "SHA256:abc123" in row.inner_text()
    assert row.locator('.person[title="olu-owner"]').count() >= 1  # the username on hover
    screen.shot("auditor", "access-evidence")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").first.click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert "approvers" not in header
    assert sheet.cell(2, header.index("approver_1_name") + 1).value == "olu-owner"
    assert isinstance(sheet.cell(2, header.index("approver_1_at") + 1).value, dt.datetime)

    page.goto("/evidence/posture/")
    summary = page.locator("#posture-summary")
    summary.get_by_text("overdue for rotation").wait_for()
    assert page.locator("#overdue-total").inner_text() == overdue  # the dashboard's figure
    assert page.locator("#identities-total").inner_text() == "1"
    page.get_by_role("row").filter(has_text="NHI7").get_by_text("overdue for rotation").wait_for()
    screen.shot("auditor", "posture")
