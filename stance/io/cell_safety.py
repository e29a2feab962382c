"""Spreadsheet-safe exports: no text cell of a CSV or XLSX we write runs as a formula when opened.

CSV: a text cell (or column name) starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading single quote, as OWASP's CSV-injection guidance says; so that reading can
undo it exactly, a text cell that is already quotes followed by one of those gets one more.
Numbers are never touched (``-0.5`` stays a number). XLSX: every text cell is stored as a string
(openpyxl data type ``"s"``), never as a formula.
"""

from __future__ import annotations

import re

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def quote_cell(value: object) -> object:
    """Return a text ``value`` with a leading ``'`` when a spreadsheet would read it as a formula; others unchanged."""
    return "'" + value if isinstance(value, str) and _NEEDS_QUOTE.match(value) else value


def unquote_cell(value: object) -> object:
    """Undo :func:`quote_cell`: return ``value`` without the quote it added (other values unchanged)."""
    return value[1:] if isinstance(value, str) and _QUOTED.match(value) else value


def _is_text(col: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)


def _map_text(df: pd.DataFrame, fn) -> pd.DataFrame:
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if _is_text(col):
            out.isetitem(i, col.map(fn))
    out.columns = [fn(c) for c in out.columns]
    return out


def quote_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` with every formula-like text cell and column name quoted (:func:`quote_cell`)."""
    return _map_text(df, quote_cell)


def unquote_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` read from a quoted CSV with the quotes :func:`quote_frame` added taken off."""
    return _map_text(df, unquote_cell)


def strings_not_formulas(workbook) -> int:
    """Store every formula cell of an openpyxl ``workbook`` as a plain string; returns how many cells changed."""
    changed = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed
