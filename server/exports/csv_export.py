"""CSV export: one file per domain plus a data dictionary; ISO 8601 dates; every row carries record_id.

Files: participants, visits, one per instrument, adverse_events, dosing (per drug, reported vs
expected), lab_results (Treg %), data_dictionary. UTF-8, optionally with a BOM so Excel reads
Chinese text correctly.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import fields
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection

from server.exports.current import (
    ExportScope,
    current_records,
    enrolled_participants,
    lab_values,
    record_index,
)
from server.exports.dosing import DoseLine, dose_lines
from shared.adverse_events import ACTIONS, AE_FIELDS, CAUSALITY, CTCAE_GRADES, OUTCOMES, SERIOUSNESS_CRITERIA
from shared.instruments import get_instrument
from shared.instruments.model import Instrument
from shared.lab import LAB_TESTS
from shared.study.model import Study

ENVELOPE_COLUMNS = ["record_id", "revision", "participant_id", "site_id", "visit_id", "collected_at",
                    "collected_at_local", "received_at", "entered_by", "device_id", "correction_reason",
                    "language"]
PARTICIPANT_COLUMNS = ["record_id", "participant_id", "site_id", "arm", "status", "enrolled_at", "year_of_birth",
                       "sex", "allocation_number"]
VISIT_COLUMNS = ["record_id", "participant_id", "site_id", "visit_id", "visit_number", "visit_label", "visit_date",
                 "forms_expected", "forms_done", "forms_missing"]
DOSING_COLUMNS = [f.name for f in fields(DoseLine)]
LAB_COLUMNS = ["record_id", "participant_id", "site_id", "visit_id", "test_code", "test_name", "sample_date",
               "value", "unit", "source_file", "source_row", "imported_at", "imported_by"]


def cell_values(row: Iterable[Any]) -> list[Any]:
    """The cells of one row as both the CSV and the XLSX export write them (None empty, booleans true/false)."""
    return ["" if v is None else ("true" if v is True else "false" if v is False else v) for v in row]


RowWriter = Callable[[Iterable[Any]], None]


class TableSink(Protocol):
    """Where the export's tables go: one CSV file each (``CsvFolder``) or one sheet each of a workbook."""

    def table(self, name: str, header: list[str]) -> RowWriter:
        """Start table ``name`` (a CSV file name, e.g. ``participants.csv``); returns its row writer."""
        ...


class CsvFolder:
    """One UTF-8 CSV file per table in ``out_dir`` (with a BOM when asked, so Excel reads Chinese text)."""

    def __init__(self, out_dir: Path, stack: ExitStack, *, bom: bool = False) -> None:
        self.out_dir, self.stack, self.bom = out_dir, stack, bom

    def table(self, name: str, header: list[str]) -> RowWriter:
        fh = self.stack.enter_context(open(self.out_dir / name, "w", newline="",
                                           encoding="utf-8-sig" if self.bom else "utf-8"))
        writer = csv.writer(fh)
        writer.writerow(header)
        return lambda row: writer.writerow(cell_values(row))


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool = False) -> int:
    """Write a header and rows (None as empty, booleans as true/false); returns data rows written."""
    with ExitStack() as stack:
        return _write_table(CsvFolder(path.parent, stack, bom=bom), path.name, header, rows)


def _write_table(sink: TableSink, name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> int:
    write, n = sink.table(name, header), 0
    for row in rows:
        write(row)
        n += 1
    return n


def _envelope(rec: dict[str, Any]) -> list[Any]:
    return [rec.get(c) for c in ENVELOPE_COLUMNS]


def _instrument_row(instrument: Instrument, rec: dict[str, Any]) -> list[Any]:
    data = rec["data"]
    scores = get_instrument(instrument.id, rec.get("instrument_version")).score(data)
    return (_envelope(rec) + [rec["instrument_version"]]
            + [data.get(it.id) for it in instrument.items] + [scores.get(s) for s in instrument.score_names])


def _ae_row(rec: dict[str, Any]) -> list[Any]:
    return _envelope(rec) + [(",".join(v) if isinstance(v := rec["data"].get(f), list) else v) for f in AE_FIELDS]


def _record_files(conn: Connection, study: Study, sink: TableSink, scope: ExportScope) -> dict[str, int]:
    """One streamed pass over the newest revisions writes every instrument file, adverse_events and dosing."""
    by_instrument = {inst.id: inst for inst in study.instrument_definitions()}
    headers = {f"{inst.id}.csv": ENVELOPE_COLUMNS + ["instrument_version"] + [it.id for it in inst.items]
               + list(inst.score_names) for inst in study.instrument_definitions()}
    headers["adverse_events.csv"] = ENVELOPE_COLUMNS + list(AE_FIELDS)
    headers["dosing.csv"] = DOSING_COLUMNS
    counts = dict.fromkeys(headers, 0)
    writers = {name: sink.table(name, header) for name, header in headers.items()}
    for rec in current_records(conn, scope=scope, with_arm=True):
        if rec["kind"] == "adverse_event":
            rows = [("adverse_events.csv", _ae_row(rec))]
        elif rec["kind"] == "instrument_response" and rec.get("instrument_id") in by_instrument:
            rows = [(f"{rec['instrument_id']}.csv", _instrument_row(by_instrument[rec["instrument_id"]], rec))]
            if rec["instrument_id"] == "dosing_diary" and rec.get("arm"):
                rows += [("dosing.csv", [getattr(line, c) for c in DOSING_COLUMNS])
                         for line in dose_lines(study, rec["arm"], rec)]
        else:
            continue
        for name, row in rows:
            writers[name](row)
            counts[name] += 1
    return counts


def visit_rows(study: Study, conn: Connection, scope: ExportScope) -> Iterator[list[Any]]:
    """One row per participant and visit with any form done: what was expected, done and missing.

    Reads table columns only (no bodies), one participant's rows at a time.
    """
    number = {v.id: v.number for v in study.visits}
    for _pid, rows in groupby(record_index(conn, kind="instrument_response", scope=scope),
                              key=lambda r: r.participant_id):
        by_visit: dict[str, list[Any]] = {}
        for r in rows:
            if r.visit_id in number:
                by_visit.setdefault(r.visit_id, []).append(r)
        for visit_id in sorted(by_visit, key=number.__getitem__):
            visit, recs = study.visit(visit_id), by_visit[visit_id]
            done = sorted({r.instrument_id for r in recs})
            expected = list(visit.instruments)
            yield [recs[0].record_id, recs[0].participant_id, recs[0].site_id, visit.id, visit.number, visit.label,
                   min(r.collected_at for r in recs)[:10], ";".join(expected), ";".join(done),
                   ";".join(i for i in expected if i not in done)]


def _lab_rows(conn: Connection, scope: ExportScope) -> Iterator[list[Any]]:
    for r in lab_values(conn, scope):
        test = LAB_TESTS.get(r["test_code"])
        yield [r["result_id"], r["participant_id"], r["site_id"], r["visit_id"], r["test_code"],
               test.name if test else "", r["sample_date"], r["value"], r["unit"], r["source_file"],
               r["source_row"], r["imported_at"], r["imported_by"]]


def _dictionary(study: Study) -> Iterator[list[Any]]:
    env = {"record_id": "record UUID (made on the kiosk)", "revision": "revision of the record (1 = original)",
           "collected_at": "time of measurement, UTC, ISO 8601",
           "collected_at_local": "time of measurement at the clinic, ISO 8601 with offset",
           "received_at": "time the server stored this revision, UTC, ISO 8601",
           "entered_by": "who entered it (participant or staff:<user>)",
           "correction_reason": "reason for change (revisions > 1)",
           "language": "language the participant read the questions in (en, zh; empty: entered by staff)"}
    for inst in study.instrument_definitions():
        for c in ENVELOPE_COLUMNS:
            yield [f"{inst.id}.csv", c, env.get(c, c.replace("_", " ")), "text", "", inst.version, ""]
        for it in inst.items:
            yield [f"{inst.id}.csv", it.id, it.label.en, it.response.value, it.allowed_text(), inst.version,
                   inst.notes]
        for s in inst.score_names:
            yield [f"{inst.id}.csv", s, f"score of {inst.id}", "number", "computed by trialpro", inst.version,
                   inst.notes]
    ae_allowed = {"term": ("text", "1-200 characters"), "onset_date": ("date", "YYYY-MM-DD"),
                  "end_date": ("date", "YYYY-MM-DD, on or after onset, or empty"),
                  "grade": ("integer", "CTCAE v5.0 grade " + ", ".join(str(g) for g in CTCAE_GRADES)),
                  "serious": ("boolean", "true exactly when a seriousness criterion is ticked"),
                  "serious_criteria": ("codes", "comma-separated: " + ", ".join(SERIOUSNESS_CRITERIA)),
                  "causality_il2": ("code", "WHO-UMC: " + ", ".join(CAUSALITY)),
                  "causality_rapamycin": ("code", "WHO-UMC: " + ", ".join(CAUSALITY)),
                  "action_il2": ("code", ", ".join(ACTIONS)), "action_rapamycin": ("code", ", ".join(ACTIONS)),
                  "outcome": ("code", ", ".join(OUTCOMES)), "source_symptom": ("code", "symptom id or empty"),
                  "visit_id": ("code", "visit id or empty")}
    for f in AE_FIELDS:
        kind, allowed = ae_allowed.get(f, ("text", ""))
        yield ["adverse_events.csv", f, f.replace("_", " "), kind, allowed, "", ""]
    arms = ", ".join(a.code for a in study.arms)
    yield ["participants.csv", "arm", "randomised arm", "code", arms, "", ""]
    yield ["participants.csv", "sex", "sex", "code", "F, M", "", ""]
    yield ["participants.csv", "year_of_birth", "year of birth", "integer", "", "", "no full birth date is kept"]
    yield ["visits.csv", "visit_id", "visit", "code", ", ".join(v.id for v in study.visits), "", ""]
    yield ["visits.csv", "visit_date", "date of the first form of the visit", "date", "YYYY-MM-DD", "", ""]
    yield ["dosing.csv", "drug", "study drug", "code", "il2, rapamycin", "", ""]
    yield ["dosing.csv", "doses_reported", "injections (IL-2) or days taken (rapamycin) reported", "integer", "",
           "dosing_diary", ""]
    yield ["dosing.csv", "doses_expected", "doses per protocol since the previous visit", "number", "", "", ""]
    for t in LAB_TESTS.values():
        yield ["lab_results.csv", "value", f"{t.code}: {t.name}", "number",
               f"{t.minimum:g} to {t.maximum:g} {t.units[0]}", "", "imported from the lab's CSV"]


def write_tables(conn: Connection, study: Study, sink: TableSink, scope: ExportScope) -> dict[str, int]:
    """Every table of the CSV export into ``sink`` (files or sheets); returns data rows written per table."""
    counts: dict[str, int] = {}

    def out(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
        counts[name] = _write_table(sink, name, header, rows)

    out("participants.csv", PARTICIPANT_COLUMNS,
        ([p["enrolment_record_id"]] + [p[c] for c in PARTICIPANT_COLUMNS[1:]]
         for p in enrolled_participants(conn, scope.site_id)))
    out("visits.csv", VISIT_COLUMNS, visit_rows(study, conn, scope))
    counts.update(_record_files(conn, study, sink, scope))
    out("lab_results.csv", LAB_COLUMNS, _lab_rows(conn, scope))
    out("data_dictionary.csv", ["file", "variable", "label", "type", "allowed_values", "instrument_version",
                                "notes"], _dictionary(study))
    return counts


def export_csv(conn: Connection, study: Study, out_dir: Path, *, site_id: str | None = None, bom: bool = False,
               scope: ExportScope | None = None) -> dict[str, int]:
    """Write every CSV file into ``out_dir``; returns data rows written per file."""
    scope = scope or ExportScope(site_id=site_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        return write_tables(conn, study, CsvFolder(out_dir, stack, bom=bom), scope)
