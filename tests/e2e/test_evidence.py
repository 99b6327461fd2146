"""E2E (evidence): an auditor signs in, filters evidence for a period, downloads the CSV and
the bundle. Lives in tests/e2e/ so it shares the session's one Playwright browser."""

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from evidence.tasks import verify_chain
from tests.e2e.conftest import sign_in
from tests.evidence.conftest import scenario  # noqa: F401 - the evidence scenario fixture
from tests.factories import PASSWORD
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_auditor_filters_a_period_and_downloads_csv_and_bundle(page, screenshot, scenario, auditor):  # noqa: F811
    verify_chain()  # beat's verdict
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


@pytest.mark.worker
def test_auditor_asks_for_a_verification_and_sees_the_workers_verdict(
    page,
    screenshot,
    scenario,  # noqa: F811
    auditor,
    monkeypatch,
):
    sign_in(page, auditor.username, PASSWORD)
    page.goto("/evidence/audit/")
    page.get_by_test_id("chain-status").filter(has_text="not verified yet").wait_for()
    with celery_worker() as (_proc, queue):
        sent = lambda pk: verify_chain.apply_async(args=[pk], queue=queue)  # noqa: E731
        monkeypatch.setattr(verify_chain, "delay", sent)  # the worker's own queue
        page.get_by_test_id("verify-chain").click()
        page.get_by_text("a worker is verifying the ledger").wait_for()
        # the status polls until the worker's verdict is in, with no reload
        page.get_by_test_id("chain-status").filter(has_text="intact").wait_for(timeout=90_000)
    assert page.get_by_test_id("chain-verifying").count() == 0
    screenshot("evidence-chain-verified-now")
