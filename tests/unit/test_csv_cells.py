"""The formula-safe CSV writer (issue 25: one C-level search of each written line) writes exactly what
csv.writer writes for the row with every cell through ``safe_cell``, whatever the cells: formula starts at a
line's start, after a comma, inside quotes, plain and signed numbers as text and as numbers, line breaks."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

from server.exports.csv_cells import formula_safe_writer, safe_cell

PIECES = ["=", "+", "-", "@", "\t", "\r", "\n", ",", '"', "'", "1", "-1.5", "+3", "2e-3", "a", "头痛", " ", ""]


def _cell(rng: random.Random) -> Any:
    kind = rng.randrange(8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([-1.5, 0.0, 2.25, -7, 3, 10 ** 20, True, False])
    return "".join(rng.choice(PIECES) for _ in range(rng.randrange(5)))


def _reference(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def test_random_rows_are_written_as_safe_cell_by_cell_writes_them() -> None:
    rng = random.Random(25)
    rows = [[_cell(rng) for _ in range(rng.randrange(1, 7))] for _ in range(20_000)]
    buf = io.StringIO()
    writer = formula_safe_writer(buf)
    for row in rows:
        writer.writerow(row)
    assert buf.getvalue() == _reference(rows)


def test_formula_cells_are_neutralised_wherever_they_stand() -> None:
    rows: list[list[Any]] = [["=1+1"], ["a", "@SUM(A1)"], ["x,y", "-1+2"], ['"q"', "\tx", "\rx"], ["-1.5", -2, "+3"],
                             (c for c in ("=gen", "ok"))]
    buf = io.StringIO()
    formula_safe_writer(buf).writerows(rows)
    assert list(csv.reader(io.StringIO(buf.getvalue()))) == [
        ["'=1+1"], ["a", "'@SUM(A1)"], ["x,y", "'-1+2"], ['"q"', "'\tx", "'\rx"], ["-1.5", "-2", "+3"],
        ["'=gen", "ok"]]
