"""Rows → CSV, JSON Lines or XLSX, streamed with flat memory.

JSON Lines keep nested lists (approvers, credentials) structured. CSV and XLSX are tables
people open: a list an export `spread`s becomes numbered column groups (approver_1_name,
approver_1_at, …), other lists one readable cell. XLSX has a frozen header with filters,
column widths from the first rows, and real date cells."""

import datetime as dt
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice

from core.csv_export import SafeWriter

from .ledger import canonical

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


@dataclass(frozen=True)
class Spread:
    """A list column shown as one column group per item in CSV and XLSX."""

    column: str  # the list column it replaces, e.g. "approvers"
    label: str  # the groups' prefix, e.g. "approver"
    fields: tuple[tuple[str, str], ...]  # (key in an item, column suffix)
    count: Callable[[dict], int]  # groups needed for these filters (at least one)

    def columns(self, n: int) -> list[str]:
        return [f"{self.label}_{i}_{suffix}" for i in range(1, n + 1) for _, suffix in self.fields]

    def cells(self, items: list[dict] | None, n: int) -> list:
        items = list(items or [])[:n]
        items += [{}] * (n - len(items))
        return [item.get(key) for item in items for key, _ in self.fields]


def table(columns: list[str], rows: Iterable[dict], spread: Spread | None = None,
          filters: dict | None = None) -> tuple[list[str], Iterator[list]]:  # fmt: skip
    """Header and cell rows for CSV and XLSX."""
    if spread is None or spread.column not in columns:
        return list(columns), ([flat(row.get(c)) for c in columns] for row in rows)
    n = max(1, spread.count(filters or {}))
    at = columns.index(spread.column)
    before, after = columns[:at], columns[at + 1 :]
    header = [*before, *spread.columns(n), *after]

    def cells(row):
        return [
            *(flat(row.get(c)) for c in before),
            *spread.cells(row.get(spread.column), n),
            *(flat(row.get(c)) for c in after),
        ]

    return header, (cells(row) for row in rows)


def flat(value) -> str | int | float | None:
    """A cell: lists of credentials/reasons become one readable string."""
    if isinstance(value, list):
        return " | ".join(flat(v) if not isinstance(v, dict) else _item(v) for v in value)
    if isinstance(value, dict):
        return _item(value)
    return value


def _item(item: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in item.items() if v not in (None, ""))


def csv_lines(header: list[str], cells: Iterable[list]) -> Iterator[str]:
    writer = SafeWriter()
    yield writer.writerow(header)
    for row in cells:
        yield writer.writerow(row)


def jsonl_lines(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        yield canonical({c: row.get(c) for c in columns}) + "\n"


# --- XLSX ------------------------------------------------------------------------------------
SAMPLE_ROWS = 200  # column widths are measured on the header and the first rows
MAX_WIDTH = 60
# columns holding times (ISO 8601 strings in the rows): written as date cells
TIME_COLUMN = re.compile(r"(^|_)(at|on|start|end|since|issued|expiry)$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?$")
DATE_FORMAT, TIME_FORMAT = "yyyy-mm-dd", 'yyyy-mm-dd hh:mm:ss "UTC"'


def xlsx_file(header: list[str], cells: Iterable[list], title: str = "evidence"):
    """A spooled temporary file holding the workbook (openpyxl write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    times = [bool(TIME_COLUMN.search(name)) for name in header]
    sample = [[_value(v, t) for v, t in zip(row, times, strict=True)]
              for row in islice(cells, SAMPLE_ROWS)]  # fmt: skip
    # write-only: widths and the frozen pane go before the first row, the filter after the last
    for i, name in enumerate(header):
        longest = max([len(name), *(_shown_length(row[i]) for row in sample)])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(longest + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, name, header=True) for name in header])
    count = 0
    rest = ([_value(v, t) for v, t in zip(row, times, strict=True)] for row in cells)
    for row in chain(sample, rest):
        sheet.append([_cell(sheet, v) for v in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{count + 1}"
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned open
    workbook.save(out)
    out.seek(0)
    return out


def _value(value, is_time: bool):
    """An ISO time in a time column → a naive UTC datetime (Excel has no time zones)."""
    if not (is_time and isinstance(value, str) and ISO_TIME.match(value)):
        return value
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if len(value) == 10:
        return parsed.date()
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _shown_length(value) -> int:
    if isinstance(value, dt.datetime):
        return 23
    if isinstance(value, dt.date):
        return 10
    return len(str(value)) if value is not None else 0


def _cell(sheet, value, header: bool = False):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, dt.datetime | dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = TIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
        return cell
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value[:32000])
    cell.data_type = "s"  # text, never a formula (no spreadsheet injection)
    if header:
        cell.font = Font(bold=True)
    return cell


def dumps(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str)
