"""E2E (evidence): an auditor signs in, filters evidence for a period, downloads the CSV and
the bundle. Lives in tests/e2e/ so it shares the session's one Playwright browser."""

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from tests.e2e.conftest import sign_in
from tests.evidence.conftest import scenario  # noqa: F401 - the evidence scenario fixture
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_auditor_filters_a_period_and_downloads_csv_and_bundle(page, screenshot, scenario, auditor):  # noqa: F811
    sign_in(page, auditor.username, PASSWORD)
    page.get_by_test_id("chain-status").filter(has_text="intact").wait_for()  # dashboard card
    page.get_by_role("link", name="Evidence", exact=True).first.click()
    today = dt.date.today()
    page.get_by_label("From").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_label("To").fill((today + dt.timedelta(days=1)).isoformat())
    page.get_by_label("Request kind").select_option("exception")
    page.get_by_role("button", name="Filter").click()
    table = page.locator("#access-evidence")
    table.get_by_text("SHA256:abc123").wait_for()
    assert table.locator("tbody tr").count() == 1
    screenshot("evidence-access-filtered")

    with page.expect_download() as download_info:
        page.locator("#download-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert [r["request_kind"] for r in rows] == ["exception"]
    assert rows[0]["ended_how"] == "expired" and rows[0]["approver_1_name"] == "olu-owner"

    with page.expect_download() as download_info:
        page.locator("#download-bundle").click()
    bundle = download_info.value
    assert bundle.suggested_filename.endswith(".zip")
    names = set(zipfile.ZipFile(bundle.path()).namelist())
    assert {"manifest.json", "manifest.sha256", "verify_bundle.py", "access.csv"} <= names
