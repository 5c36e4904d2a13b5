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

import re
from contextlib import ExitStack
from datetime import UTC, date, datetime
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


def _text_values(name: str, variables: list[AdamVar], rows: list[dict[str, Any]],
                 report: ExportReport | None) -> list[list[Any]]:
    """The rows as lists in variable order, character values made ASCII and at most 200 bytes (each change
    added to ``report``; None: not reported, the measuring pass)."""
    out = []
    for row in rows:
        values = []
        for v in variables:
            value = row[v.name]
            if v.kind == "C":
                value = "" if value is None else str(value)
                text, rule = ascii_text(value)
                if len(text) > MAX_TEXT:
                    text, rule = text[:MAX_TEXT], f"{rule + '; ' if rule else ''}cut to {MAX_TEXT} bytes"
                if rule and report is not None:
                    seq = row.get("AESEQ")
                    report.add(name, str(row.get("USUBJID", "")), "AESEQ" if seq else "", str(seq or ""), v.name,
                               rule, value, text)
                value = text.rstrip()
            values.append(value)
        out.append(values)
    return out


def _measure(widths: dict[str, int], variables: list[AdamVar], rows: list[list[Any]]) -> None:
    """Widen ``widths`` (character variables) to the longest value of ``rows``."""
    for i, v in enumerate(variables):
        if v.kind == "C":
            widths[v.name] = max([widths.get(v.name, 1), *(len(r[i].encode("ascii")) for r in rows)])


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
        for r in rows:
            self._xpt.write([_xpt_value(v, x) for v, x in zip(self.variables, r, strict=True)])
            self._json.write([_json_value(v, x) for v, x in zip(self.variables, r, strict=True)])
        self.rows += len(rows)


def _xpt_value(v: AdamVar, value: Any) -> Any:
    return sas_date(value) if v.kind == DATE else value


def _json_value(v: AdamVar, value: Any) -> Any:
    if v.kind == DATE:
        return value.isoformat() if isinstance(value, date) else None
    return value


def _json_type(v: AdamVar) -> str:
    return {"C": "string", "N": "double", "I": "integer", DATE: "date"}[v.kind]


def export_adam(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write adsl/adqs/adlb/adae .xpt and .json, define.xml and export-report.csv into ``out_dir``; returns the
    rows written per file (define.xml: the datasets it describes).

    Two passes over the participants inside the caller's read snapshot: the first measures the character widths
    of ADQS and ADLB (a transport file needs them before its first row) and keeps the small ADSL and ADAE, the
    second streams ADQS and ADLB; memory holds one participant's BDS rows at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    meta = dataset_variables(study)
    widths: dict[str, dict[str, int]] = {name: {} for name in meta}
    kept: dict[str, list[dict[str, Any]]] = {"ADSL": [], "ADAE": []}
    streamed = ("ADQS", "ADLB")
    for part in participant_datasets(conn, study, scope=scope):
        for name in kept:
            kept[name] += getattr(part, name.lower())
        for name in streamed:
            _measure(widths[name], meta[name][1], _text_values(name, meta[name][1], getattr(part, name.lower()), None))
    counts: dict[str, int] = {}
    with ExitStack() as stack:
        report = stack.enter_context(ExportReport(out_dir / REPORT_FILE))
        files: dict[str, _DatasetFiles] = {}
        texts = {name: _text_values(name, meta[name][1], sorted(rows, key=by_usubjid), report)
                 for name, rows in kept.items()}
        for name, rows in texts.items():
            _measure(widths[name], meta[name][1], rows)
        for name, (label, variables) in meta.items():
            widths[name].update({v.name: 1 for v in variables if v.kind == "C" and v.name not in widths[name]})
            files[name] = _DatasetFiles(stack, out_dir, study, name, label, variables, widths[name], created)
        for name, rows in texts.items():
            files[name].write(rows)
        for part in participant_datasets(conn, study, scope=scope):
            for name in streamed:
                files[name].write(_text_values(name, meta[name][1], getattr(part, name.lower()), report))
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
