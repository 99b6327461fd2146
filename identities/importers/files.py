"""Reading an uploaded file safely, before any format looks at it.

Every format goes through here: the size and the text are checked once (no NUL character,
which PostgreSQL text cannot hold, no lone surrogate, which cannot be encoded), JSON is loaded
with a depth limit and without the non-standard constants (`NaN`, `Infinity`) that
PostgreSQL's `jsonb` refuses, and CSV is read strictly so that a file cut in the middle of a
line is refused rather than read as a shorter last row. A problem is an `ImportFileError`
naming what is wrong; nothing is planned or stored.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator

from .base import ImportFileError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# kubectl's output nests about 6 levels; Steward JSON about 4. Anything deeper is not ours.
MAX_JSON_DEPTH = 32
TOO_LARGE = f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."


def check_content(content: str) -> None:
    """The text as a whole: a size cap, valid Unicode, no NUL character."""
    try:
        size = len(content.encode("utf-8"))
    except UnicodeEncodeError:
        raise ImportFileError("The file is not valid UTF-8 text.") from None
    if size > MAX_BYTES:
        raise ImportFileError(TOO_LARGE)
    if "\x00" in content:
        raise ImportFileError(
            "The file contains NUL characters: it is binary or not UTF-8 (UTF-16?). "
            "Save it as UTF-8 text."
        )


def check_row_count(count: int) -> None:
    if count > MAX_ROWS:
        raise ImportFileError(
            f"The file has {count} rows; at most {MAX_ROWS} are imported at once. Split it."
        )


def decode_upload(data: bytes) -> str:
    """Bytes of an upload → text (UTF-8, with or without a byte order mark)."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(TOO_LARGE)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text (Latin-1, UTF-16 or binary?). Save it as UTF-8."
        ) from None
    check_content(content)
    return content


# --- JSON -------------------------------------------------------------------------------
def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def load_json(content: str):
    """Parse JSON (RFC 8259 §6: NaN and Infinity are not numbers) within a depth limit."""
    check_content(content)
    try:
        data = json.loads(content, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ImportFileError(
            f"The JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels)."
        ) from None
    except ValueError as exc:  # JSONDecodeError, and the integer digit limit
        raise ImportFileError(f"Not valid JSON: {str(exc)[:200]}") from None
    _check_json_tree(data)
    return data


def _check_json_tree(data) -> None:
    """Depth and strings, without recursion (a deep file must not exhaust the stack)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ImportFileError(
                f"The JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels)."
            )
        if isinstance(node, dict):
            for key, value in node.items():
                _check_string(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, str):
            _check_string(node)


def _check_string(text: str) -> None:
    if "\x00" in text:
        raise ImportFileError("The JSON contains a NUL character (\\u0000) in a string.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ImportFileError(
            "The JSON contains an invalid Unicode escape (a lone surrogate)."
        ) from None


# --- CSV --------------------------------------------------------------------------------
def read_csv(content: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """(header, iterator of (line number, cells)) with every csv.Error an ImportFileError.

    `strict` makes an unterminated quoted field at the end (a cut file) an error. A row with
    fewer cells than the header is refused by `csv_rows` below: a credential report cut
    mid-line would otherwise lose the keys of its last user without a word.
    """
    check_content(content)
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise ImportFileError(f"Line 1: {exc}. Is this a CSV file?") from None

    def rows():
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise ImportFileError(f"Line {reader.line_num}: {exc}.") from None

    return header, rows()


def csv_rows(content: str, check_header=None) -> tuple[list[str], list[tuple[int, dict]]]:
    """Header and non-empty rows as mappings; a row with more or fewer cells is refused.

    `check_header(header)` runs before any row is read (a wrong file is named as such)."""
    header, rows = read_csv(content)
    if check_header is not None:
        check_header(header)
    out = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise ImportFileError(
                f"Line {line} has {len(cells)} cells where the header has {len(header)}: "
                "the file is truncated or damaged. Nothing was imported."
            )
        out.append((line, dict(zip(header, cells, strict=True))))
        check_row_count(len(out))
    return header, out
