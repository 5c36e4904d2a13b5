"""`export adam`: the ADaM datasets of ``server.analysis`` as SAS XPORT v5 (``<name>.xpt``), Dataset-JSON v1.1
(``<name>.json``) and their own define.xml (Define-XML 2.1, ADaMIG classes), plus export-report.csv.

The values are the builders' (``build_adam``), written through the same rules as SDTM: character values ASCII
(``submission_text.ascii_text``) and at most 200 bytes (ADaM has no SUPP--: the rest is cut, the full text stays
in SDTM), every change listed in export-report.csv. Dates are SAS dates (days since 1960-01-01, ``DATE9.``) in
the .xpt and ISO 8601 text in Dataset-JSON (``dataType`` date, ``targetDataType`` integer). Character widths are
the longest value written (at least 1). ADSL and ADAE are sorted by USUBJID; ADQS and ADLB are streamed in
participant order (the same order for participant ids of the study's form, SITE-NUMBER).
"""

from __future__ import annotations

import marshal
import re
import tempfile
from contextlib import ExitStack
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from server.analysis.adam import by_usubjid, participant_datasets
from server.analysis.variables import ADAMIG_VERSION, DATASET_INFO, DATE, INTEGER, AdamVar, dataset_variables
from server.exports.current import ALL, ExportScope
from server.exports.dataset_json import DatasetJsonWriter, JsonColumn
from server.exports.define_meta import VARIABLE_CODELIST
from server.exports.define_xml import DefineModel, write_define_xml
from server.exports.sdtm_files import source_version
from server.exports.sdtm_model import Var
from server.exports.submission_text import REPORT_FILE, ExportReport, ascii_text
from server.exports.xport import XportVariable, XportWriter, sas_date
from server.storage import meddra as meddra_store
from shared.study.model import Study

MAX_TEXT = 200
CHUNK = 500   # rows to one write of a file
DATE_FORMAT = "DATE9."
_FLAGS = ("RANDFL", "SAFFL", "FASFL", "COMPLFL", "ABLFL", "ANL01FL", "TRTEMFL", "ARELFL", "ARELINC", "AESUSAR")
_CODELISTS = {**{k: VARIABLE_CODELIST[k] for k in ("SEX", "AGEU", "AESEV", "AEDECOD", "AEBODSYS", "AEPTCD",
                                                   "AEBDSYCD", "AESER", "AESDTH", "AETOXGR")},
              **dict.fromkeys(_FLAGS, "CL.NY"), "AOUT": "CL.OUT", "ANRIND": "CL.NRIND", "BNRIND": "CL.NRIND",
              "DCSREAS": "CL.DSDECOD"}


def metadata_version_oid(study: Study) -> str:
    """The MetaDataVersion OID shared by the ADaM define.xml and every ADaM Dataset-JSON file."""
    return f"MDV.{study.study.id}.ADaMIG-{ADAMIG_VERSION}"


def _codelist(name: str) -> str | None:
    if re.fullmatch(r"AREL\d+", name):
        return "CL.AEREL"
    if re.fullmatch(r"(AREL\d+FL|AEXP\d+)", name):
        return "CL.NY"
    return _CODELISTS.get(name)


def _kind(v: Var) -> str:
    return v.kind if isinstance(v, AdamVar) else ("N" if v.numeric else "C")


def _data_type(_dataset: str, v: Var) -> str:
    kind = _kind(v)
    return "integer" if kind in (DATE, INTEGER) else ("float" if v.numeric else "text")


def _origin(_dataset: str, v: Var) -> tuple[str, str, str]:
    assert isinstance(v, AdamVar)
    return v.origin, "Sponsor" if v.origin in ("Derived", "Assigned") else "", v.method


ADAM = DefineModel(
    label="ADaM", standard=("ADaMIG", ADAMIG_VERSION), purpose="Analysis", group=DATASET_INFO.__getitem__,
    origin=_origin, mandatory=lambda _d, name: name in ("STUDYID", "USUBJID", "PARAMCD", "PARAM"),
    data_type=_data_type, method_oid=lambda dataset, name: f"MT.{dataset}.{name}", codelist=_codelist,
    display_format=lambda v: DATE_FORMAT if _kind(v) == DATE else None, domain=False)


Note = tuple[str, str, str, str, str, str, str, str]   # the arguments of one ``ExportReport.add``


def _text_values(name: str, variables: list[AdamVar], rows: list[dict[str, Any]],
                 notes: list[Note]) -> list[list[Any]]:
    """The rows as lists in variable order, character values made ASCII and at most 200 bytes (each change
    appended to ``notes``, for export-report.csv)."""
    get = itemgetter(*(v.name for v in variables))
    text = [i for i, v in enumerate(variables) if v.kind == "C"]
    out = []
    for row in rows:
        values = list(get(row))
        for i in text:
            value = values[i]
            if value.__class__ is str and len(value) <= MAX_TEXT and value.isascii():   # the usual case: kept
                values[i] = value.rstrip()
                continue
            value = "" if value is None else str(value)
            cut, rule = ascii_text(value)
            if len(cut) > MAX_TEXT:
                cut, rule = cut[:MAX_TEXT], f"{rule + '; ' if rule else ''}cut to {MAX_TEXT} bytes"
            if rule:
                seq = row.get("AESEQ")
                notes.append((name, str(row.get("USUBJID", "")), "AESEQ" if seq else "", str(seq or ""),
                              variables[i].name, rule, value, cut))
            values[i] = cut.rstrip()
        out.append(values)
    return out


def _measure(widths: dict[str, int], variables: list[AdamVar], rows: list[list[Any]]) -> None:
    """Widen ``widths`` (character variables) to the longest value of ``rows`` (ASCII: characters are bytes)."""
    if not rows:
        return
    for i, v in enumerate(variables):
        if v.kind == "C":
            widths[v.name] = max(widths.get(v.name, 1), max(map(len, map(itemgetter(i), rows))))


class _DatasetFiles:
    """<name>.xpt and <name>.json of one ADaM dataset, written row by row (value lists in variable order)."""

    def __init__(self, stack: ExitStack, out_dir: Path, study: Study, name: str, label: str,
                 variables: list[AdamVar], widths: dict[str, int], created: str) -> None:
        self.variables, self.rows = variables, 0
        base = out_dir / name.lower()
        self._xpt = stack.enter_context(XportWriter(base.with_suffix(".xpt"), name, label, [
            XportVariable(v.name, v.label, v.numeric, widths.get(v.name, 8), "DATE" if v.kind == DATE else "",
                          9 if v.kind == DATE else 0) for v in variables]))
        keys = DATASET_INFO[name][2]
        self._json = stack.enter_context(DatasetJsonWriter(
            base.with_suffix(".json"), name=name, label=label, study_oid=study.study.id,
            metadata_version_oid=metadata_version_oid(study), created_at=created, originator="trialpro",
            source_system=("trialpro", source_version()),
            columns=[JsonColumn(v.name, v.label, _json_type(v), widths.get(v.name) if v.kind == "C" else None,
                                keys.index(v.name) + 1 if v.name in keys else None,
                                "integer" if v.kind == DATE else None, DATE_FORMAT if v.kind == DATE else None)
                     for v in variables]))

    def write(self, rows: list[list[Any]]) -> None:
        """Write ``rows`` (dates as ``datetime.date``), at most ``CHUNK`` to a file write: ADSL comes in one
        list, and one write of 10 000 rows took 90 MB."""
        dates = [i for i, v in enumerate(self.variables) if v.kind == DATE]
        for first in range(0, len(rows), CHUNK):
            chunk = rows[first:first + CHUNK]
            if dates:
                xpt, json = [list(r) for r in chunk], [list(r) for r in chunk]
                for a, b in zip(xpt, json, strict=True):
                    for i in dates:
                        a[i], b[i] = sas_date(a[i]), a[i].isoformat() if isinstance(a[i], date) else None
            else:
                xpt = json = chunk
            self._xpt.write_many(xpt)
            self._json.write_many(json)
        self.rows += len(rows)


def _json_type(v: AdamVar) -> str:
    return {"C": "string", "N": "double", "I": "integer", DATE: "date"}[v.kind]


def _spooled(rows: list[list[Any]], dates: list[int]) -> list[list[Any]]:
    """``rows`` as marshal writes them (faster than pickle; no dates): the dates (column indexes ``dates``) as
    their ordinal, in place."""
    for i in dates:
        for r in rows:
            if r[i] is not None:
                r[i] = r[i].toordinal()
    return rows


def _unspooled(rows: list[list[Any]], dates: list[int]) -> list[list[Any]]:
    for i in dates:
        for r in rows:
            if r[i] is not None:
                r[i] = date.fromordinal(r[i])
    return rows


def export_adam(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write adsl/adqs/adlb/adae .xpt and .json, define.xml and export-report.csv into ``out_dir``; returns the
    rows written per file (define.xml: the datasets it describes).

    One pass over the participants inside the caller's read snapshot builds every row: the small ADSL and ADAE
    are kept, the ADQS and ADLB rows (as written) go to a spool file beside the output while their character
    widths are measured (a transport file needs them before its first row), then are copied from the spool into
    their files; memory holds one participant's BDS rows at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    meta = dataset_variables(study)
    widths: dict[str, dict[str, int]] = {name: {} for name in meta}
    kept: dict[str, list[dict[str, Any]]] = {"ADSL": [], "ADAE": []}
    streamed = ("ADQS", "ADLB")
    dates = {name: [i for i, v in enumerate(meta[name][1]) if v.kind == DATE] for name in streamed}
    streamed_notes: list[Note] = []     # reported after ADSL's and ADAE's, in participant order
    counts: dict[str, int] = {}
    with ExitStack() as stack:
        spool = stack.enter_context(tempfile.TemporaryFile(dir=out_dir))
        for part in participant_datasets(conn, study, scope=scope):
            for name in kept:
                kept[name] += getattr(part, name.lower())
            rows = [_text_values(name, meta[name][1], getattr(part, name.lower()), streamed_notes)
                    for name in streamed]
            for name, texts in zip(streamed, rows, strict=True):
                _measure(widths[name], meta[name][1], texts)
            data = marshal.dumps([_spooled(texts, dates[name]) for name, texts in zip(streamed, rows, strict=True)])
            spool.write(len(data).to_bytes(8, "little") + data)   # length first: one read per participant below
        report = stack.enter_context(ExportReport(out_dir / REPORT_FILE))
        notes: list[Note] = []
        texts = {name: _text_values(name, meta[name][1], sorted(rows, key=by_usubjid), notes)
                 for name, rows in kept.items()}
        for note in (*notes, *streamed_notes):
            report.add(*note)
        for name, rows in texts.items():
            _measure(widths[name], meta[name][1], rows)
        files: dict[str, _DatasetFiles] = {}
        for name, (label, variables) in meta.items():
            widths[name].update({v.name: 1 for v in variables if v.kind == "C" and v.name not in widths[name]})
            files[name] = _DatasetFiles(stack, out_dir, study, name, label, variables, widths[name], created)
        for name, rows in texts.items():
            files[name].write(rows)
        spool.seek(0)
        while size := spool.read(8):
            spooled = marshal.loads(spool.read(int.from_bytes(size, "little")))   # noqa: S302 (our own spool, above)
            for name, rows in zip(streamed, spooled, strict=True):
                files[name].write(_unspooled(rows, dates[name]))
        for name, f in files.items():
            counts[f"{name.lower()}.xpt"] = counts[f"{name.lower()}.json"] = f.rows
    counts[REPORT_FILE] = report.rows
    release = meddra_store.release(conn)
    write_define_xml(out_dir / "define.xml", study, [(name, label, variables, widths[name])
                                                     for name, (label, variables) in meta.items()],
                     created_at=created, mdv_oid=metadata_version_oid(study), source_version=source_version(),
                     model=ADAM, external_versions={"MEDDRA": str(release["version"])} if release else None)
    counts["define.xml"] = len(meta)
    return counts
