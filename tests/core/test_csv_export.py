import io

import pytest

from core.csv_export import SafeWriter, csv_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1+2", "-2", "@SUM(A1)", "\tx"])
def test_formula_starts_are_quoted(text):
    assert csv_cell(text) == "'" + text


def test_plain_values_pass_and_none_is_empty():
    assert [csv_cell(v) for v in ("ledger", 3, None)] == ["ledger", "3", ""]


def test_safe_writer_streams_lines_and_writes_files():
    assert SafeWriter().writerow(["=1", "a"]) == "'=1,a\r\n"
    buffer = io.StringIO()
    SafeWriter(buffer).writerow(["@x"])
    assert buffer.getvalue() == "'@x\r\n"
