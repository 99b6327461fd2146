"""Rows → CSV, JSON Lines or XLSX, streamed with flat memory."""

import json
import tempfile
from collections.abc import Iterable, Iterator

from core.csv_export import SafeWriter

from .ledger import canonical

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def flat(value) -> str | int | float | None:
    """A cell: lists of approvers/credentials/reasons become one readable string."""
    if isinstance(value, list):
        return " | ".join(flat(v) if not isinstance(v, dict) else _item(v) for v in value)
    if isinstance(value, dict):
        return _item(value)
    return value


def _item(item: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in item.items() if v not in (None, ""))


def csv_lines(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    writer = SafeWriter()
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([flat(row.get(c)) for c in columns])


def jsonl_lines(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        yield canonical({c: row.get(c) for c in columns}) + "\n"


def xlsx_file(columns: list[str], rows: Iterable[dict], title: str = "evidence"):
    """A spooled temporary file holding the workbook (openpyxl write-only mode)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(sheet, row.get(c)) for c in columns])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned open
    workbook.save(out)
    out.seek(0)
    return out


def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    value = flat(value)
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value[:32000])
    cell.data_type = "s"  # text, never a formula (no spreadsheet injection)
    return cell


def dumps(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str)
