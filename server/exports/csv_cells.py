"""CSV cells that a spreadsheet never runs as a formula (OWASP "CSV injection").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading single quote (``=HYPERLINK(…)`` becomes ``'=HYPERLINK(…)``), so
Excel, LibreOffice and Google Sheets show it as text. Our choice for numbers: a cell
that is a plain number (``-1.5``, ``+3``, ``-2e-3``: digits, one optional sign, point
and exponent, nothing else) is left as it is, since a spreadsheet reads it as that
number and never as a formula, and prefixing it would turn numeric columns into text;
Python numbers are never touched. ``-1+2`` is not a plain number and is neutralised.
Every CSV writer of the exports goes through ``formula_safe_writer``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CELL_START = re.compile("\x00[" + re.escape("".join(FORMULA_START)) + "]")   # a cell's start in "\x00".join(row)
# a number, which no spreadsheet reads as a formula (the SDTM batch writer shares it)
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """``value``, or the text with a leading ``'`` when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value[:1] in FORMULA_START and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class FormulaSafeWriter:
    """``csv.writer`` whose rows pass through ``safe_cell`` first."""

    def __init__(self, fh: TextIO) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> Any:
        if type(row) is list:
            # the usual case: one C-level search of the row's text cells for one that starts like a formula
            # (only text is ever quoted: numbers, None and booleans are not turned into text to be searched)
            try:
                joined = "\x00".join(row)            # a row of text (SDTM) in one go
            except TypeError:
                joined = "\x00".join([v for v in row if isinstance(v, str)])
            if _CELL_START.search("\x00" + joined) is None:
                return self._writer.writerow(row)
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def formula_safe_writer(fh: TextIO) -> FormulaSafeWriter:
    """The CSV writer every export uses."""
    return FormulaSafeWriter(fh)
