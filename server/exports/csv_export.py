"""CSV export: one file per domain plus a data dictionary; ISO 8601 dates; every row carries record_id.

Files: participants, visits, one per instrument, adverse_events, dosing (per drug, reported vs
expected), concomitant_medications, medical_history, vital_signs, pregnancy_tests, lab_results (Treg %),
dispositions, deviations, data_dictionary. UTF-8, optionally with a BOM so Excel reads
Chinese text correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import fields
from datetime import date
from itertools import groupby
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from server.exports.csv_cells import formula_safe_writer
from server.exports.csv_clinical_record import FILES as CLINICAL_FILES
from server.exports.csv_clinical_record import clinical_row
from server.exports.csv_course import DEVIATION_COLUMNS, DISPOSITION_COLUMNS, course_of
from server.exports.csv_dictionary import HEADER as DICTIONARY_HEADER
from server.exports.csv_dictionary import answer_cell, dictionary_rows
from server.exports.csv_queries import MESSAGE_COLUMNS, QUERY_COLUMNS, SDV_COLUMN, SdvStatus, query_tables
from server.exports.csv_times import site_local
from server.exports.current import (
    ExportScope,
    current_records,
    enrolled_participants,
    lab_values,
)
from server.exports.dosing import DiaryStream, DoseLine, first_dose_of
from server.services.ae_causality import Confirmations
from server.services.ae_review import AeReview, AeReviewer
from shared.adverse_events import ae_fields, flat_ae
from shared.home_entries import DIARY_DATE
from shared.instruments import export_items, export_score_names, get_instrument
from shared.instruments.model import Instrument
from shared.lab_grading import grade, range_indicator
from shared.pharmacovigilance import TREATMENT_EMERGENT
from shared.site_time import site_local_iso_date
from shared.study.model import Study

ENVELOPE_COLUMNS = ["record_id", "revision", "participant_id", "site_id", "visit_id", "collected_at",
                    "collected_at_local", "collected_at_device", "received_at", "entered_by", "device_id",
                    "source", "staff_id", "correction_reason", "language", SDV_COLUMN]
PARTICIPANT_COLUMNS = ["record_id", "participant_id", "site_id", "arm", "status", "enrolled_at", "year_of_birth",
                       "sex", "allocation_number"]
VISIT_COLUMNS = ["record_id", "participant_id", "site_id", "visit_id", "visit_number", "visit_label", "visit_date",
                 "forms_expected", "forms_done", "forms_missing"]
DOSING_COLUMNS = [f.name for f in fields(DoseLine)]
_dose_cells = attrgetter(*DOSING_COLUMNS)     # a dosing line's cells in column order, in one C-level call
SCREENING_DATA = ["consent_date", "screening_date", "sex", "birth_year_month", "age_at_consent", "screening_score",
                  "outcome", "failed_criteria", "criteria",  # issue 15: the screening log, every outcome
                  "childbearing_potential"]  # issue 18: decides the pregnancy-test rule at randomisation
LAB_COLUMNS = ["record_id", "revision", "participant_id", "site_id", "visit_id", "test_code", "test_name", "loinc",
               "sample_date", "value", "unit", "normal_low", "normal_high", "range_indicator", "ctcae_term",
               "ctcae_grade", "source_file", "source_row", "imported_at", "imported_by", "reason"]


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
        writer = formula_safe_writer(fh)
        writer.writerow(header)

        def write(row: Iterable[Any]) -> None:
            row = row if type(row) is list else list(row)
            # csv writes None as an empty cell itself: only a row with a boolean needs cell_values; both tests are
            # C-level, the second only for a row with a 1 or 0 in it (equal to True/False: answers and counts)
            if (True in row or False in row) and bool in map(type, row):
                row = cell_values(row)
            writer.writerow(row)
        return write


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


def instrument_columns(instrument: Instrument, *, home: bool = False) -> list[str]:
    """Header of an instrument's file: envelope, version, (for a home diary, ``home``: the ``diary_date`` an
    entry is about), items, then scores (``score_<name>`` when a score is named like an item, so every header is
    unique); items and scores of the instrument's other versions follow the study version's, so stored records
    of an older version keep their answers."""
    items = [it.id for it in export_items(instrument)]
    return (ENVELOPE_COLUMNS + ["instrument_version"] + [DIARY_DATE] * home + items
            + [f"score_{s}" if s in items else s for s in export_score_names(instrument)])


def ae_columns(study: Study) -> list[str]:
    """The AE file's header: a causality and an action column per study drug; AE form fields named like an
    envelope column (visit_id) get the prefix ae_, so every header is unique; then what the server derives
    (treatment emergence, MedDRA coding, SUSAR, the SAE clock and report mark, a missing translation)."""
    return (ENVELOPE_COLUMNS + [f"ae_{f}" if f in ENVELOPE_COLUMNS else f for f in ae_fields(study)]
            + list(AE_DERIVED))


AE_DERIVED = ("first_dose_date", "treatment_emergent", "meddra_llt_code", "meddra_llt", "meddra_pt_code",
              "meddra_pt", "meddra_soc_code", "meddra_soc", "coding_method", "susar", "susar_drugs",
              "sae_report_due", "sae_reported_at", "translation_missing", "causality_confirmed_by",
              "causality_confirmed_at")


class _Headers:
    """A TableSink that remembers every header it was given (the data dictionary describes them all)."""

    def __init__(self, sink: TableSink) -> None:
        self.sink = sink
        self.headers: dict[str, list[str]] = {}

    def table(self, name: str, header: list[str]) -> RowWriter:
        assert len(set(header)) == len(header), f"{name}: duplicate columns in {header}"
        self.headers[name] = header
        return self.sink.table(name, header)


def _envelope(rec: dict[str, Any]) -> list[Any]:
    return list(map(rec.get, ENVELOPE_COLUMNS))


def _instrument_row(instrument: Instrument, rec: dict[str, Any], *, home: bool = False,
                    layout: tuple[list[str], tuple[str, ...]] | None = None) -> list[Any]:
    """One response as its envelope, version, items and scores (``layout``: the instrument's export item ids
    and score names, worked out once per export by the caller)."""
    data = rec["data"]
    scores = get_instrument(instrument.id, rec.get("instrument_version")).score(data)
    items, score_names = layout or _instrument_layout(instrument)
    row = list(map(rec.get, ENVELOPE_COLUMNS))
    row.append(rec["instrument_version"])
    if home:
        row.append(data.get(DIARY_DATE))
    # one row list built in place; only a structured answer (a dose calendar) goes through answer_cell
    row += [v if type(v) not in _STRUCTURED else answer_cell(v) for v in map(data.get, items)]
    row += map(scores.get, score_names)
    return row


_STRUCTURED = (dict, list)


def _instrument_layout(instrument: Instrument) -> tuple[list[str], tuple[str, ...]]:
    return [it.id for it in export_items(instrument)], export_score_names(instrument)


def _ae_row(study: Study, rec: dict[str, Any], review: AeReview, confirmed: dict[str, Any] | None) -> list[Any]:
    """One AE as its flat fields (a causality and an action column per study drug), whichever body form, and
    what the server derives from it (``AE_DERIVED``; ``confirmed``: the investigator's confirmation of the
    causality of this revision, or None)."""
    c = review.coding or {}
    derived = [review.first_dose.isoformat() if review.first_dose else None,
               None if review.emergence is None else review.emergence == TREATMENT_EMERGENT,
               c.get("llt_code"), c.get("llt_name"), c.get("pt_code"), c.get("pt_name"), c.get("soc_code"),
               c.get("soc_name"), c.get("method"), review.susar, ",".join(review.susar_drugs),
               review.deadline.isoformat() if review.deadline else None,
               (review.report or {}).get("reported_at"), review.missing_translation,
               (confirmed or {}).get("by"), (confirmed or {}).get("at")]
    return (_envelope(rec) + [(",".join(v) if isinstance(v, list) else v)
                              for v in flat_ae(rec["data"], study).values()] + derived)


def _screening_row(rec: dict[str, Any]) -> list[Any]:
    """One screening: its outcome, the failed criteria and every attested answer (``I2=true;E1=false``)."""
    data = rec["data"]
    answers = ";".join(f"{k}={'true' if v else 'false'}" for k, v in (data.get("criteria") or {}).items())
    return _envelope(rec) + [data.get(c) for c in SCREENING_DATA[:7]] + [
        ";".join(data.get("failed_criteria") or []), answers, data.get("childbearing_potential")]


class _Course:
    """Dispositions and deviations (issue 16) of each enrolled participant, worked out from the participant's
    records in the main pass and handed out in participant order (participants without records too)."""

    def __init__(self, conn: Connection, study: Study, scope: ExportScope) -> None:
        self.study, self.scope = study, scope
        self.enrolled = {p["participant_id"]: p for p in enrolled_participants(conn, scope.site_id)}
        self._found: dict[str, tuple[list[Any] | None, list[list[Any]]]] = {}

    def add(self, participant_id: str, records: list[dict[str, Any]]) -> None:
        p = self.enrolled.get(participant_id)
        if p is not None:
            self._found[participant_id] = course_of(self.study, p, records, self.scope)

    def tables(self) -> tuple[list[list[Any]], list[list[Any]]]:
        ended: list[list[Any]] = []
        found: list[list[Any]] = []
        for pid, p in self.enrolled.items():
            disposition, deviations = self._found.pop(pid, None) or course_of(self.study, p, [], self.scope)
            ended += [disposition] if disposition else []
            found += deviations
        return ended, found


def _record_files(conn: Connection, study: Study, sink: TableSink, scope: ExportScope,
                  visits: RowWriter) -> tuple[dict[str, int], _Course]:
    """One streamed pass over the newest revisions, a participant at a time, writes visits.csv, every
    instrument file, adverse_events and dosing, and works out the dispositions and deviations."""
    by_instrument = {inst.id: inst for inst in study.instrument_definitions()}
    home = {inst.id: study.home.diary(inst.id) is not None for inst in study.instrument_definitions()}
    layouts = {inst.id: _instrument_layout(inst) for inst in study.instrument_definitions()}
    headers = {f"{inst.id}.csv": instrument_columns(inst, home=home[inst.id])
               for inst in study.instrument_definitions()}
    headers["adverse_events.csv"] = ae_columns(study)
    headers["screening.csv"] = ENVELOPE_COLUMNS + SCREENING_DATA
    dosing = study.instrument_with_role("dosing")
    diaries = DiaryStream(study, dosing.id if dosing else None)
    headers["dosing.csv"] = DOSING_COLUMNS
    headers.update({name: ENVELOPE_COLUMNS + list(columns) for name, columns in CLINICAL_FILES.values()})
    counts = dict.fromkeys(headers, 0)
    counts["visits.csv"] = 0
    writers = {name: sink.table(name, header) for name, header in headers.items()}
    file_of = {inst_id: f"{inst_id}.csv" for inst_id in by_instrument}
    write_dose = writers["dosing.csv"]
    zones = {site.id: ZoneInfo(site.timezone) for site in study.sites}
    verified = SdvStatus(conn)   # issue 19: the SDV status of each current revision
    course = _Course(conn, study, scope)
    numbers = {v.id: v.number for v in study.visits}
    # the first doses the AE review needs come from each participant's records, read here anyway; with a date
    # range the records are cut, so the reviewer reads the first doses itself
    first_doses: dict[str, date | None] | None = (
        {} if scope.date_from is None and scope.date_to is None else None)
    reviewer = AeReviewer(conn, study, site_id=scope.site_id, first_doses=first_doses)
    confirmed = Confirmations(conn)
    for pid, group in groupby(current_records(conn, scope=scope, with_arm=True), key=itemgetter("participant_id")):
        recs = list(group)
        course.add(pid, recs)
        diaries.participant(pid, recs)     # their home dosing entries' dates (issue 24: home wins)
        for row in _participant_visits(study, recs, numbers):
            visits(row)
            counts["visits.csv"] += 1
        if first_doses is not None and any(r["kind"] == "adverse_event" for r in recs):   # only AEs ask
            first_doses[pid] = first_dose_of(study, recs, randomised=bool((course.enrolled.get(pid) or {}).get("arm")))
        for rec in recs:
            rec[SDV_COLUMN] = verified.of(rec)
            # the server states local time in the site's zone (study file); the kiosk's own claim is kept beside it
            rec["collected_at_device"] = rec.get("collected_at_local")
            rec["collected_at_local"] = site_local(rec.get("collected_at"), zones.get(rec.get("site_id")))
            if rec["kind"] == "adverse_event":
                rows = [("adverse_events.csv", _ae_row(study, rec, reviewer.review(rec, rec.get("arm")),
                                                       confirmed.of(rec)))]
            elif rec["kind"] in CLINICAL_FILES:
                rows = [(CLINICAL_FILES[rec["kind"]][0], _envelope(rec) + clinical_row(study, rec))]
            elif rec["kind"] == "screening":
                rows = [("screening.csv", _screening_row(rec))]
            elif rec["kind"] == "instrument_response" and rec.get("instrument_id") in by_instrument:
                # most records of an export: written here, not through the list of rows below
                inst_id = rec["instrument_id"]
                name = file_of[inst_id]
                writers[name](_instrument_row(by_instrument[inst_id], rec, home=home[inst_id], layout=layouts[inst_id]))
                counts[name] += 1
                for line in diaries.lines(rec):
                    write_dose(_dose_cells(line))
                    counts["dosing.csv"] += 1
                continue
            else:
                continue
            for name, row in rows:
                writers[name](row)
                counts[name] += 1
    return counts, course


def _participant_visits(study: Study, recs: list[dict[str, Any]], numbers: dict[str, int]) -> Iterator[list[Any]]:
    """One row per visit of the participant with any form done: what was expected, done and missing (the
    visit's first form by time of measurement gives the row's record_id and the visit date)."""
    by_visit: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        if r["kind"] == "instrument_response" and r.get("visit_id") in numbers:
            by_visit.setdefault(r["visit_id"], []).append(r)
    for visit_id in sorted(by_visit, key=numbers.__getitem__):
        visit, forms = study.visit(visit_id), by_visit[visit_id]
        done = sorted({r["instrument_id"] for r in forms})
        expected = list(visit.instruments)
        first = forms[0]                     # records come by time of measurement (then record id)
        yield [first["record_id"], first["participant_id"], first["site_id"], visit.id, visit.number, visit.label,
               site_local_iso_date(first["collected_at"], study, first["site_id"]),
               ";".join(expected), ";".join(done), ";".join(i for i in expected if i not in done)]


def _lab_rows(conn: Connection, study: Study, scope: ExportScope) -> Iterator[list[Any]]:
    """Current lab results with the study file's LOINC, normal range by sex, range indicator and CTCAE grade."""
    sex_of = {p["participant_id"]: p["sex"] for p in enrolled_participants(conn, scope.site_id)}
    for r in lab_values(conn, scope):
        test = study.lab_tests.get(r["test_code"])
        sex = sex_of.get(r["participant_id"])
        rng = test.normal_range(sex) if test else None
        g = grade(test, r["value"], sex) if test else None
        yield [r["result_id"], r["revision"], r["participant_id"], r["site_id"], r["visit_id"], r["test_code"],
               test.name if test else "", test.loinc if test else "", r["sample_date"], r["value"], r["unit"],
               rng.low if rng else None, rng.high if rng else None,
               range_indicator(test, r["value"], sex) if test else None, g.term if g else None,
               g.grade if g else (0 if test and test.ctcae else None), r["source_file"], r["source_row"],
               r["imported_at"], r["imported_by"], r["reason"]]


def write_tables(conn: Connection, study: Study, sink: TableSink, scope: ExportScope) -> dict[str, int]:
    """Every table of the CSV export into ``sink`` (files or sheets); returns data rows written per table."""
    counts: dict[str, int] = {}
    sink = _Headers(sink)

    def out(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
        counts[name] = _write_table(sink, name, header, rows)

    out("participants.csv", PARTICIPANT_COLUMNS,
        ([p["enrolment_record_id"]] + [p[c] for c in PARTICIPANT_COLUMNS[1:]]
         for p in enrolled_participants(conn, scope.site_id)))
    files, course = _record_files(conn, study, sink, scope, sink.table("visits.csv", VISIT_COLUMNS))
    counts.update(files)
    out("lab_results.csv", LAB_COLUMNS, _lab_rows(conn, study, scope))
    ended, deviations = course.tables()                    # issue 16: server/exports/csv_course.py
    out("dispositions.csv", DISPOSITION_COLUMNS, ended)
    out("deviations.csv", DEVIATION_COLUMNS, deviations)
    asked, thread = query_tables(conn, scope)              # issue 19: server/exports/csv_queries.py
    out("queries.csv", QUERY_COLUMNS, asked)
    out("query_messages.csv", MESSAGE_COLUMNS, thread)
    headers = {**sink.headers, "data_dictionary.csv": DICTIONARY_HEADER}
    out("data_dictionary.csv", DICTIONARY_HEADER,
        dictionary_rows(study, headers, {inst.id: inst for inst in study.instrument_definitions()}))
    return counts


def export_csv(conn: Connection, study: Study, out_dir: Path, *, site_id: str | None = None, bom: bool = False,
               scope: ExportScope | None = None) -> dict[str, int]:
    """Write every CSV file into ``out_dir``; returns data rows written per file."""
    scope = scope or ExportScope(site_id=site_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        return write_tables(conn, study, CsvFolder(out_dir, stack, bom=bom), scope)
