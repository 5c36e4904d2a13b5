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
# where a cell of a written line can start with one: after a comma (one is put before the line), the cell's first
# character or the one after its opening quote (csv.writer quotes a cell holding a comma, quote or line break)
_CELL_START = re.compile(',"?[' + re.escape("".join(FORMULA_START)) + "]")    # searched in "," + line
# a number, which no spreadsheet reads as a formula (the SDTM batch writer shares it)
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """``value``, or the text with a leading ``'`` when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value[:1] in FORMULA_START and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class FormulaSafeWriter:
    """``csv.writer`` whose rows pass through ``safe_cell`` first.

    A row is formatted by the csv module first and the line searched once (C level) for a cell that starts like
    a formula; only such a line (or a negative number's) goes through ``safe_cell`` cell by cell and is
    formatted again when that changes a cell. The file gets each line as ``csv.writer`` writes it."""

    def __init__(self, fh: TextIO) -> None:
        self._fh = fh
        self._line = ""
        self._writer = csv.writer(self)     # formats each row into ``write`` below

    def write(self, line: str) -> int:
        """Where ``csv.writer`` hands over a formatted row (one call per row, line ending included)."""
        self._line = line
        return len(line)

    def writerow(self, row: Iterable[Any]) -> Any:
        if type(row) is not list:
            row = list(row)
        self._writer.writerow(row)
        line = self._line
        # the line ending ("\r\n") is left out of the search: after an empty last cell it is no cell's start
        if _CELL_START.search("," + line, 0, len(line) - 1) is not None:
            safe = [safe_cell(v) for v in row]
            if safe != row:
                self._writer.writerow(safe)
                line = self._line
        return self._fh.write(line)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def formula_safe_writer(fh: TextIO) -> FormulaSafeWriter:
    """The CSV writer every export uses."""
    return FormulaSafeWriter(fh)
