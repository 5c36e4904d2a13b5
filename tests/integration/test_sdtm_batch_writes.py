"""The SDTM files write a batch of rows at once (issue 25.3): byte for byte what the row-by-row writers give,
for plain rows and for the rows that must take the careful way (quotes, formulas, signs, non-ASCII, missing)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pyreadstat

from server.exports.csv_cells import formula_safe_writer
from server.exports.dataset_json import DatasetJsonWriter, JsonColumn
from server.exports.sdtm_files import SubmissionFiles, plain_csv_lines
from server.exports.sdtm_model import DOMAINS, dataset_widths
from server.exports.sdtm_qs import QS_VARIABLES
from server.exports.xport import XportVariable, XportWriter
from shared.study import default_study

STAMP = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
PLAIN = [["NCT05605665", "QS", "NCT05605665-PKU-00001", str(n), "5.3", "-7", "+2", "1e-5", "", "Baseline (week 0)"]
         for n in range(1, 40)]
CAREFUL = [
    ["a,b", "QS", "x", "1", "5", "", "", "", "", ""],                 # a delimiter: quoted
    ['say "hi"', "QS", "x", "1", "5", "", "", "", "", ""],            # a quote: quoted and doubled
    ["two\nlines", "QS", "x", "1", "5", "", "", "", "", ""],          # a line break
    ["=HYPERLINK(1)", "QS", "x", "1", "5", "", "", "", "", ""],       # a formula: prefixed
    ["x", "QS", "-1+2", "1", "5", "", "", "", "", ""],                # a sign that is not a plain number
    ["x", "QS", "+A", "1", "5", "", "", "", "", ""],
    ["x", "QS", "@SUM", "1", "5", "", "", "", "", ""],
    ["x", "QS", "\tTAB", "1", "5", "", "", "", "", ""],
    ["x", "QS", "y", "1", "5", "-", "", "", "", "last"],              # a lone sign
]


def _row_by_row_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO(newline="")
    formula_safe_writer(buf).writerows(rows)
    return buf.getvalue()


def test_plain_batches_are_the_csv_writer_s_lines_and_any_careful_row_sends_the_batch_its_way() -> None:
    assert plain_csv_lines(PLAIN) == _row_by_row_csv(PLAIN)
    for bad in CAREFUL:
        assert plain_csv_lines([*PLAIN, bad]) is None, bad
        assert _row_by_row_csv([bad]) != ",".join(bad) + "\r\n"   # each really needs the careful way
    assert plain_csv_lines([["x", None, "1"]]) is None               # type: ignore[list-item]


def _xpt(tmp_path: Path, name: str, rows: list[list[str | None]], batch: bool) -> bytes:
    variables = [XportVariable("TEXT", "Text", False, 20), XportVariable("NUM", "Number", True),
                 XportVariable("CODE", "Code", False, 4)]
    path = tmp_path / f"{name}.xpt"
    with XportWriter(path, "TT", "Test", variables) as w:
        if batch:
            w.write_many(rows)
        else:
            for row in rows:
                w.write(row)
    return path.read_bytes()


def test_a_batch_of_xpt_rows_is_the_bytes_of_each_row_written_alone(tmp_path: Path) -> None:
    plain: list[list[str | None]] = [[f"text {n}", str(n / 7), "AB"] for n in range(300)] + [["", "", ""]]
    mixed: list[list[str | None]] = [*plain, ["低剂量", "1", "X"], [None, None, None]]   # non-ASCII, missing
    for name, rows in (("plain", plain), ("mixed", mixed)):
        a, b = _xpt(tmp_path, f"{name}-batch", rows, True), _xpt(tmp_path, f"{name}-rows", rows, False)
        assert STAMP.sub(b"-", a) == STAMP.sub(b"-", b)      # the same apart from the header's creation times
        df, _meta = pyreadstat.read_xport(str(tmp_path / f"{name}-batch.xpt"), encoding="utf-8")
        assert len(df) == len(rows) and df["NUM"][7] == 1.0 and df["TEXT"][300] == ""


def _json(tmp_path: Path, name: str, rows: list[list[str | None]], batch: bool) -> bytes:
    path = tmp_path / f"{name}.json"
    columns = [JsonColumn("TEXT", "Text", "string", 20), JsonColumn("SEQ", "Seq", "integer"),
               JsonColumn("VAL", "Value", "double")]
    with DatasetJsonWriter(path, name="TT", label="Test", columns=columns, study_oid="S", metadata_version_oid="M",
                           created_at="2026-01-01T00:00:00Z", originator="t", source_system=("t", "1")) as w:
        if batch:
            w.write_many(rows[:100])
            w.write_many(rows[100:])
        else:
            for row in rows:
                w.write(row)
    return path.read_bytes()


def test_a_batch_of_dataset_json_rows_is_the_text_of_each_row_written_alone(tmp_path: Path) -> None:
    plain: list[list[str | None]] = [[f"t{n}", str(n), str(n / 4) if n % 3 else ""] for n in range(250)]
    # a row separator inside a text value (first batch), a missing value (second batch)
    tricky: list[list[str | None]] = [*plain[:50], ["a],[b", "1", "2"], *plain[50:], ["x", None, "1"]]
    for name, rows in (("plain", plain), ("tricky", tricky)):
        a, b = _json(tmp_path, f"{name}-batch", rows, True), _json(tmp_path, f"{name}-rows", rows, False)
        assert a == b
        doc = json.loads(a)
        assert doc["records"] == len(rows) and doc["rows"][4] == ["t4", 4, 1.0] and doc["rows"][3][2] is None
    assert json.loads(a)["rows"][50] == ["a],[b", 1, 2.0]


def test_qs_rows_are_built_in_the_model_s_variable_order() -> None:
    assert QS_VARIABLES == tuple(v.name for v in DOMAINS["QS"][1])


def _submission(out: Path, rows: list[list[str]], together: bool) -> dict[str, bytes]:
    study = default_study()
    out.mkdir()
    variables = DOMAINS["QS"][1]
    widths = {k: v for k, v in dataset_widths(study).items() if k[0] in ("QS", "SUPP")}
    with SubmissionFiles(out, study, {"QS": ("Questionnaires", variables)}, widths, lazy=frozenset()) as files:
        if together:
            files.write_rows("QS", [list(r) for r in rows])
        else:
            for row in rows:
                files.write("QS", list(row))
    return {p.name: STAMP.sub(b"-", re.sub(rb'"(creationDateTime|asOfDateTime)":"[^"]*"', b"", p.read_bytes()))
            for p in sorted(out.iterdir())}


def test_rows_written_together_give_the_files_report_and_supp_rows_of_rows_written_one_by_one(tmp_path: Path) -> None:
    def row(seq: int, test: str = "Patient Global VAS", result: str = "70") -> list[str]:
        return ["NCT05605665", "QS", "NCT05605665-PKU-00001", str(seq), "rec-1", "PTGAVAS", test, "PATIENT GLOBAL VAS",
                result, "mm", result, result, "mm", "", "", "", "STUDY SUBJECT", "2", "Baseline", "TREATMENT",
                "2024-01-01T10:00:00", "1"]
    plain = [row(n) for n in range(1, 300)]
    awkward = [*plain[:10], row(11, "Global VAS \u2014 patient"), row(12, "x" * 45), *plain[12:]]  # dash, too long
    for name, rows in (("plain", plain), ("awkward", awkward)):
        together = _submission(tmp_path / f"{name}-together", rows, True)
        assert together == _submission(tmp_path / f"{name}-alone", rows, False)
    assert b"transliterated" in together["export-report.csv"] and "suppqs.csv" in together


def test_a_batch_the_caller_has_checked_gives_the_bytes_of_a_batch_the_writers_check(tmp_path: Path) -> None:
    # SubmissionFiles checks each row once (fits) and tells the .xpt and .json writers so (issue 25.3)
    rows = [[f"text {n}", str(n / 7) if n % 5 else "", "AB"] for n in range(300)]
    out = {}
    for fitting in (False, True):
        variables = [XportVariable("TEXT", "Text", False, 20), XportVariable("NUM", "Number", True),
                     XportVariable("CODE", "Code", False, 4)]
        with XportWriter(tmp_path / f"{fitting}.xpt", "TT", "Test", variables) as w:
            w.write_many([list(r) for r in rows], fitting=fitting)
        columns = [JsonColumn("TEXT", "Text", "string", 20), JsonColumn("VAL", "Value", "double"),
                   JsonColumn("CODE", "Code", "string", 4)]
        with DatasetJsonWriter(tmp_path / f"{fitting}.json", name="TT", label="Test", columns=columns,
                               study_oid="S", metadata_version_oid="M", created_at="2026-01-01T00:00:00Z",
                               originator="t", source_system=("t", "1")) as j:
            j.write_many([list(r) for r in rows], fitting=fitting)
        out[fitting] = (STAMP.sub(b"-", (tmp_path / f"{fitting}.xpt").read_bytes()),
                        (tmp_path / f"{fitting}.json").read_bytes())
    assert out[True] == out[False]
    assert json.loads(out[True][1])["rows"][5] == ["text 5", None, "AB"]
