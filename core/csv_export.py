"""CSV for people who open it in a spreadsheet: cells that would start a formula are quoted."""

import csv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Neutralise spreadsheet formulas in user-controlled text (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class Echo:
    """A file-like object that hands each written line back, for streaming responses."""

    def write(self, value):
        return value


class SafeWriter:
    """csv.writer with every cell passed through `csv_cell`; `writerow` returns what it wrote
    (the line, when writing to `Echo`)."""

    def __init__(self, target=None):
        self._writer = csv.writer(target if target is not None else Echo())

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])
