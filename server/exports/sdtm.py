"""SDTM-style datasets (SDTMIG 3.x names, labels and controlled terms): DM, AE, QS, EX, DS, LB and SUPPAE.

This module turns each participant's records into rows; ``sdtm_files`` writes each row to the .csv, .xpt
and Dataset-JSON files at once (after the ASCII and length rules), ``sdtm_model`` holds the variables.
``define.csv`` is a define-style table of every variable.
USUBJID = STUDYID-SITEID-SUBJID, where SUBJID is the number part of the participant id.
Not done (documented in docs/export-formats.md): MedDRA coding (AEDECOD repeats the verbatim term),
trial design domains.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from server.exports.current import ALL, ExportScope, ParticipantData, participants_with_data
from server.exports.define_xml import write_define_xml
from server.exports.dosing import dose_lines
from server.exports.sdtm_files import SubmissionFiles, Supp, metadata_version_oid, source_version
from server.exports.sdtm_model import DOMAINS, dataset_widths
from shared.instruments import get_instrument
from shared.lab import LAB_TESTS
from shared.study.model import PARTICIPANT_ID, Study

SEVERITY = {1: "MILD", 2: "MODERATE", 3: "SEVERE", 4: "SEVERE", 5: "SEVERE"}
CAUSALITY_REL = {"certain": "RELATED", "probable": "PROBABLY RELATED", "possible": "POSSIBLY RELATED",
                 "unlikely": "UNLIKELY RELATED", "conditional": "NOT ASSESSABLE", "unassessable": "NOT ASSESSABLE"}
REL_ORDER = ["RELATED", "PROBABLY RELATED", "POSSIBLY RELATED", "NOT ASSESSABLE", "UNLIKELY RELATED",
             "NOT RELATED"]
ACTION = {"none": "DOSE NOT CHANGED", "reduced": "DOSE REDUCED", "interrupted": "DRUG INTERRUPTED",
          "withdrawn": "DRUG WITHDRAWN", "not_applicable": "NOT APPLICABLE"}
OUTCOME = {"recovered": "RECOVERED/RESOLVED", "recovering": "RECOVERING/RESOLVING",
           "not_recovered": "NOT RECOVERED/NOT RESOLVED", "recovered_with_sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
           "fatal": "FATAL", "unknown": "UNKNOWN"}
SERIOUS_FLAGS = {"AESDTH": "death", "AESLIFE": "life_threatening", "AESHOSP": "hospitalisation",
                 "AESDISAB": "disability", "AESCONG": "congenital_anomaly", "AESMIE": "medically_important"}
ROUTE = {"subcutaneous": "SUBCUTANEOUS", "oral": "ORAL"}
FREQUENCY = {"twice weekly": "BIW", "once daily": "QD"}
DS_STATUS = {"withdrawn": "WITHDRAWAL BY SUBJECT", "completed": "COMPLETED", "lost": "LOST TO FOLLOW-UP"}

QsTest = tuple[str, str, str, str, str, str]


def qs_tests(study: Study) -> tuple[QsTest, ...]:
    """QS tests (instrument, item or score name, QSTESTCD, QSTEST, QSCAT, unit): every item and score of the
    study's instruments that its instrument file gives an SDTM test code."""
    out: list[QsTest] = []
    for inst in study.instrument_definitions():
        cat = inst.qs_category or inst.id.upper()
        out += [(inst.id, it.id, it.qs_testcd, it.qs_test or it.qs_testcd, cat, it.qs_unit or "")
                for it in inst.items if it.qs_testcd]
        out += [(inst.id, sc.name, sc.qs_testcd, sc.qs_test or sc.qs_testcd, cat, "")
                for sc in inst.scores if sc.qs_testcd]
    return tuple(out)


TERMS = {"AEACN": ", ".join([*ACTION.values(), "MULTIPLE"]), "AEOUT": ", ".join(OUTCOME.values()),
         "DSDECOD": ", ".join(["INFORMED CONSENT OBTAINED", "RANDOMIZED", *DS_STATUS.values()])}


def usubjid(study: Study, participant_id: str, site_id: str) -> str:
    """STUDYID-SITEID-SUBJID."""
    return f"{study.study.id}-{site_id}-{subjid(participant_id)}"


def subjid(participant_id: str) -> str:
    m = PARTICIPANT_ID.fullmatch(participant_id)
    return m.group("number") if m else participant_id


def _num(v: Any) -> str:
    if v is None or v == "":
        return ""
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _visit(study: Study, visit_id: str | None) -> tuple[Any, str]:
    try:
        v = study.visit(visit_id or "")
    except KeyError:
        return None, ""
    return v.number, v.label


def _dm(study: Study, pd: ParticipantData) -> Iterator[dict[str, Any]]:
    p = pd.participant
    arm = study.arm(p["arm"])
    dated = sorted(r["collected_at"][:10] for r in pd.records if r["kind"] == "instrument_response")
    start = next((r["collected_at"][:10] for r in pd.records if r.get("visit_id") == "baseline"),
                 dated[0] if dated else None)
    yield {"SUBJID": subjid(p["participant_id"]), "RFSTDTC": start, "RFENDTC": dated[-1] if dated else None,
           "SITEID": p["site_id"], "BRTHDTC": str(p["year_of_birth"]),
           "AGE": int(p["enrolled_at"][:4]) - int(p["year_of_birth"]), "AGEU": "YEARS", "SEX": p["sex"],
           "ARMCD": arm.code, "ARM": arm.name, "ACTARMCD": arm.code, "ACTARM": arm.name,
           "COUNTRY": study.site(p["site_id"]).country}


def _study_treatments(study: Study) -> list[tuple[str, str]]:
    """Every study drug once (drug id, treatment name), in the order of the study file's arms."""
    seen: dict[str, str] = {}
    for arm in study.arms:
        for t in arm.treatments:
            seen.setdefault(t.drug, t.name)
    return list(seen.items())


def ae_row(rec: dict[str, Any], drugs: list[tuple[int, str, str]]) -> dict[str, Any]:
    """The SDTM AE values of one adverse-event record (without identifiers and sequence).

    ``drugs`` are the (number, drug id, treatment name) of the participant's arm: AEREL is the strongest
    causality and AEACN the action over those drugs only; each drug's causality and action are kept in
    SUPPAE (QNAM AERELn / AEACNn, n = the drug's number in the study file).
    """
    d = rec["data"]
    rels = [CAUSALITY_REL[d.get(f"causality_{drug}")] for _n, drug, _t in drugs
            if d.get(f"causality_{drug}") in CAUSALITY_REL]
    actions = {ACTION[d.get(f"action_{drug}")] for _n, drug, _t in drugs
               if d.get(f"action_{drug}") in ACTION and d.get(f"action_{drug}") != "not_applicable"}
    supp = []
    for n, drug, name in drugs:
        if d.get(f"causality_{drug}") in CAUSALITY_REL:
            supp.append(Supp(f"AEREL{n}", f"Causality to {name}"[:40], CAUSALITY_REL[d[f"causality_{drug}"]]))
        if d.get(f"action_{drug}") in ACTION:
            supp.append(Supp(f"AEACN{n}", f"Action Taken with {name}"[:40], ACTION[d[f"action_{drug}"]]))
    criteria = d.get("serious_criteria") or []
    row = {"AESPID": rec["record_id"], "AETERM": d["term"], "AEDECOD": d["term"].upper(),
           "AESEV": SEVERITY[d["grade"]], "AETOXGR": str(d["grade"]), "AESER": _yn(bool(d.get("serious"))),
           "AEREL": min(rels, key=REL_ORDER.index) if rels else "NOT RELATED",
           "AEACN": actions.pop() if len(actions) == 1 else ("MULTIPLE" if actions else "NOT APPLICABLE"),
           "AEOUT": OUTCOME.get(d.get("outcome"), "UNKNOWN"), "AEDTC": rec["collected_at"][:10],
           "AESTDTC": d.get("onset_date"), "AEENDTC": d.get("end_date"), "_supp": supp}
    row.update({flag: _yn(c in criteria) for flag, c in SERIOUS_FLAGS.items()})
    return row


def _ae(study: Study, pd: ParticipantData) -> Iterator[dict[str, Any]]:
    arm_drugs = study.arm(pd.participant["arm"]).drugs
    drugs = [(n, drug, name) for n, (drug, name) in enumerate(_study_treatments(study), start=1)
             if drug in arm_drugs]
    for rec in pd.records:
        if rec["kind"] == "adverse_event":
            yield ae_row(rec, drugs)


def _qs(study: Study, pd: ParticipantData) -> Iterator[dict[str, Any]]:
    all_tests = qs_tests(study)
    for rec in pd.records:
        if rec["kind"] != "instrument_response":
            continue
        tests = [t for t in all_tests if t[0] == rec["instrument_id"]]
        if not tests:
            continue
        values = dict(rec["data"])
        values.update(get_instrument(rec["instrument_id"], rec.get("instrument_version")).score(rec["data"]))
        num, label = _visit(study, rec.get("visit_id"))
        for _inst, key, code, test, cat, unit in tests:
            v = values.get(key)
            if v is None:
                continue
            yield {"QSSPID": rec["record_id"], "QSTESTCD": code, "QSTEST": test, "QSCAT": cat, "QSORRES": _num(v),
                   "QSORRESU": unit, "QSSTRESC": _num(v), "QSSTRESN": v, "QSSTRESU": unit, "VISITNUM": num,
                   "VISIT": label, "QSDTC": rec["collected_at"]}


def _ex(study: Study, pd: ParticipantData) -> Iterator[dict[str, Any]]:
    for rec in pd.records:
        if rec.get("instrument_id") != "dosing_diary":
            continue
        num, label = _visit(study, rec.get("visit_id"))
        for line in dose_lines(study, pd.participant["arm"], rec):
            yield {"EXSPID": rec["record_id"], "EXTRT": line.treatment.upper(), "EXDOSE": line.dose,
                   "EXDOSU": line.unit, "EXDOSFRQ": FREQUENCY.get(line.frequency, line.frequency.upper()),
                   "EXROUTE": ROUTE.get(line.route, line.route.upper()), "EXADJ": line.missed_reason or "",
                   "VISITNUM": num, "VISIT": label,
                   # study day: baseline is day 1 in SDTM (no day 0)
                   "EXSTDY": None if line.period_start_day is None else line.period_start_day + 1,
                   "EXENDY": None if line.period_end_day is None else line.period_end_day + 1,
                   "EXENDTC": line.collected_at[:10]}


def _ds(study: Study, pd: ParticipantData) -> Iterator[dict[str, Any]]:
    p = pd.participant
    enrol = next((r for r in pd.records if r["kind"] == "enrolment"), None)
    if enrol and enrol["data"].get("consent_date"):
        yield {"DSTERM": "INFORMED CONSENT OBTAINED", "DSDECOD": "INFORMED CONSENT OBTAINED",
               "DSCAT": "PROTOCOL MILESTONE", "DSSTDTC": enrol["data"]["consent_date"]}
    yield {"DSTERM": "RANDOMIZED", "DSDECOD": "RANDOMIZED", "DSCAT": "PROTOCOL MILESTONE",
           "DSSTDTC": p["enrolled_at"][:10]}
    if p["status"] in DS_STATUS:
        yield {"DSTERM": DS_STATUS[p["status"]], "DSDECOD": DS_STATUS[p["status"]], "DSCAT": "DISPOSITION EVENT",
               "DSSTDTC": None}


def _lb(study: Study, pd: ParticipantData) -> Iterator[dict[str, Any]]:
    for lab in pd.labs:
        test = LAB_TESTS[lab["test_code"]]
        num, label = _visit(study, lab["visit_id"])
        yield {"LBTESTCD": test.code, "LBTEST": "Treg/CD4+ Cells" if test.code == "TREGPCT" else test.name[:40],
               "LBCAT": "FLOW CYTOMETRY", "LBORRES": _num(lab["value"]), "LBORRESU": lab["unit"],
               "LBSTRESC": _num(lab["value"]), "LBSTRESN": lab["value"], "LBSTRESU": lab["unit"], "VISITNUM": num,
               "VISIT": label, "LBDTC": lab["sample_date"]}


BUILDERS: dict[str, Callable[[Study, ParticipantData], Iterable[dict[str, Any]]]] = {
    "DM": _dm, "AE": _ae, "QS": _qs, "EX": _ex, "DS": _ds, "LB": _lb}


def _rows(study: Study, domain: str, pd: ParticipantData) -> Iterator[tuple[list[str], list[Supp]]]:
    """The text values of one participant's rows in ``domain`` (in the order of DOMAINS[domain]) and the
    supplemental qualifiers of each row."""
    variables = DOMAINS[domain][1]
    p = pd.participant
    ids = {"STUDYID": study.study.id, "DOMAIN": domain, "USUBJID": usubjid(study, p["participant_id"], p["site_id"])}
    for seq, row in enumerate(BUILDERS[domain](study, pd), start=1):
        row = {**ids, f"{domain}SEQ": seq, **row}
        yield ([_num(row.get(v.name)) if v.numeric else ("" if row.get(v.name) is None else str(row[v.name]))
                for v in variables], row.get("_supp") or [])


def _define_csv(out_dir: Path, widths: dict[tuple[str, str], int]) -> int:
    """define.csv: the define-style table of every variable (kept beside define.xml for spreadsheet users)."""
    with open(out_dir / "define.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["dataset", "dataset_label", "variable", "label", "type", "length", "controlled_terms_or_format",
                    "origin"])
        n = 0
        for domain, (label, variables) in DOMAINS.items():
            for v in variables:
                fmt = v.terms or TERMS.get(v.name) or ("ISO 8601" if v.name.endswith("DTC") else "")
                w.writerow([domain, label, v.name, v.label, "Num" if v.numeric else "Char", widths[(domain, v.name)],
                            fmt, "Assigned" if v.name in ("STUDYID", "DOMAIN") else
                            "Derived" if v.name.endswith("SEQ") or v.name in ("USUBJID", "AESEV") else "Collected"])
                n += 1
    return n


def export_sdtm(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write every SDTM dataset as <name>.csv, <name>.xpt and <name>.json, export-report.csv, define.xml and
    define.csv.

    One pass over the participants writes every dataset row by row, from the same values (see
    ``sdtm_files``: no stored value aborts the export; what had to change is in export-report.csv).
    Returns the rows per file.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    widths = dataset_widths(study)
    with SubmissionFiles(out_dir, study, DOMAINS, widths) as files:
        for pd in participants_with_data(conn, scope):
            for domain in DOMAINS:
                for row, supp in _rows(study, domain, pd):
                    files.write(domain, row, supp)
    counts = files.counts()
    write_define_xml(out_dir / "define.xml", study, [
        (f.name, f.label, f.variables, {v.name: w for v, w in zip(f.variables, f.widths, strict=True)})
        for f in files.files.values()], created_at=files.created_at, mdv_oid=metadata_version_oid(study),
        source_version=source_version())
    counts["define.xml"] = len(files.files)
    counts["define.csv"] = _define_csv(out_dir, widths)
    return counts
