"""Exports a site opens in Excel: the web's CSV carries a byte-order mark, and XLSX holds the same tables.

XLSX is read back with openpyxl and compared cell by cell with the CSV export of the same data.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest

from server.exports.xlsx_export import Workbook
from tests.demo_template import DemoTemplates
from tests.integration.test_export_formats import Seeded, seeded  # noqa: F401 - the module's fixture
from tests.live_server import ThreadServer, run_queued_jobs, serving

PASSWORD = "excel-export-password-1"
BOM = b"\xef\xbb\xbf"


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _sheet_rows(sheet: object) -> list[list[object]]:
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]  # type: ignore


def _same_cells(sheet: list[list[object]], table: list[list[str]]) -> bool:
    """Numbers are numbers in the sheet and their text in the CSV; everything else is the same text."""
    width = len(table[0])
    if len(sheet) != len(table):
        return False
    for got, want in zip(sheet, table, strict=True):
        got = (list(got) + [""] * width)[:width]
        want = (list(want) + [""] * width)[:width]
        for g, w in zip(got, want, strict=True):
            if isinstance(g, int | float) and not isinstance(g, bool):
                if float(w) != float(g):
                    return False
            elif g != w:
                return False
    return True


def test_xlsx_holds_every_csv_table_as_a_sheet_with_the_same_cells(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    csv_dir = seeded.export("csv", tmp_path / "csv", monkeypatch=monkeypatch)
    assert not (csv_dir / "participants.csv").read_bytes().startswith(BOM)  # the CLI adds it only with --bom
    xlsx_dir = seeded.export("xlsx", tmp_path / "xlsx", monkeypatch=monkeypatch)
    [book_path] = list(xlsx_dir.iterdir())
    assert book_path.name == f"{seeded.ctx.study.study.id}.xlsx"
    book = openpyxl.load_workbook(book_path, read_only=True)
    assert sorted(book.sheetnames) == sorted(p.stem for p in csv_dir.iterdir())
    for table in csv_dir.iterdir():
        assert _same_cells(_sheet_rows(book[table.stem]), _csv_rows(table)), table.name
    assert len(_csv_rows(csv_dir / "participants.csv")) > 5
    book.close()


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    book = Workbook(path)
    book.table("adverse_events.csv", ["term", "note", "grade", "serious", "end"])(
        ["=HYPERLINK(\"http://x.invalid\",\"click\")", "@SUM(A1:A9)", 3, True, None])
    book.close()
    sheet = openpyxl.load_workbook(path)["adverse_events"]
    cells = [c for c in sheet[2]]
    assert all(c.data_type != "f" for c in cells)
    assert cells[0].value == "'=HYPERLINK(\"http://x.invalid\",\"click\")"   # neutralised as the CSV does
    assert cells[1].value == "'@SUM(A1:A9)"
    assert [c.value for c in cells[2:]] == [3, "true", None]


@pytest.fixture
def demo_sqlite_server(tmp_path: Path, demo_templates: DemoTemplates) -> Iterator[ThreadServer]:
    """A copy of the seeded demo on SQLite, its admin's password PASSWORD."""
    with serving(demo_templates.context(tmp_path / "server", admin_password=PASSWORD)) as srv:
        yield srv


def _signed_in(server: ThreadServer) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=server.url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "demo.admin", "password": PASSWORD}
                  ).status_code == 302
    page = c.get("/exports").text
    assert 'value="xlsx"' in page
    return c, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _exported(server: ThreadServer, admin: httpx.Client, token: str, fmt: str) -> httpx.Response:
    """Queue a web export, let the job runner write it, download the zip."""
    r = admin.post("/exports", data={"csrf_token": token, "format": fmt, "site": ""})
    assert r.status_code == 303, r.text[:300]
    assert run_queued_jobs(server.ctx) == 1
    link = re.search(r'href="(/exports/jobs/\d+/download)"', admin.get("/exports").text).group(1)  # type: ignore
    r = admin.get(link)
    assert r.status_code == 200, r.text[:300]
    return r


def test_the_web_csv_has_a_byte_order_mark_and_the_web_offers_xlsx(demo_sqlite_server: ThreadServer) -> None:
    admin, token = _signed_in(demo_sqlite_server)
    r = _exported(demo_sqlite_server, admin, token, "csv")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        tables = [n for n in zf.namelist() if n.endswith(".csv")]
        assert tables and all(zf.read(n).startswith(BOM) for n in tables)
        participants = zf.read(next(n for n in tables if n.endswith("/participants.csv"))).decode("utf-8-sig")
    r = _exported(demo_sqlite_server, admin, token, "xlsx")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".xlsx")]
        book = openpyxl.load_workbook(io.BytesIO(zf.read(name)), read_only=True)
    assert _sheet_rows(book["participants"])[0] == next(csv.reader(io.StringIO(participants)))
    admin.close()
