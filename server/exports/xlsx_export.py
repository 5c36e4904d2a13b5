"""XLSX export: the tables of the CSV export, one sheet each, in one workbook a Chinese-locale Excel opens as is.

Written with XlsxWriter in constant-memory mode (each row goes to disk as it is written, so memory stays flat
as the study grows). Cells get exactly the values of the CSV export: the same ``cell_values`` conversion and
the same neutralisation of formula-like text (``csv_cells.safe_cell``: a leading ``'``); text is always written
as a string cell besides, never parsed as a formula, a number or a URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import Connection

from server.exports.csv_cells import safe_cell
from server.exports.csv_export import RowWriter, cell_values, write_tables
from server.exports.current import ExportScope
from shared.study.model import Study

MAX_SHEET_NAME = 31  # Excel's limit


class Workbook:
    """A ``TableSink`` writing each table as a sheet named after its CSV file (without ``.csv``)."""

    def __init__(self, path: Path) -> None:
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                                    "strings_to_numbers": False, "strings_to_urls": False})
        self.bold = self.book.add_format({"bold": True})

    def table(self, name: str, header: list[str]) -> RowWriter:
        sheet = self.book.add_worksheet(name.removesuffix(".csv")[:MAX_SHEET_NAME])
        sheet.write_row(0, 0, [str(h) for h in header], self.bold)
        sheet.freeze_panes(1, 0)
        next_row = [1]

        def write(row: Iterable[Any]) -> None:
            r = next_row[0]
            for c, value in enumerate(cell_values(row)):
                if isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif value != "":  # empty stays a blank cell, as in the CSV
                    sheet.write_string(r, c, safe_cell(str(value)))
            next_row[0] = r + 1

        return write

    def close(self) -> None:
        self.book.close()


def export_xlsx(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope | None = None
                ) -> dict[str, int]:
    """Write ``<study id>.xlsx`` into ``out_dir`` (the CSV export's tables as sheets); returns its data rows."""
    scope = scope or ExportScope()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{study.study.id}.xlsx"
    book = Workbook(out_dir / name)
    try:
        counts = write_tables(conn, study, book, scope)
    finally:
        book.close()
    return {name: sum(counts.values())}
