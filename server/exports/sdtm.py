"""SDTM-style datasets (SDTMIG 3.x names, labels and controlled terms): DM, AE, QS, EX, DS and LB.

Each domain is written as CSV while streaming from the database (measuring character widths),
then the CSV is streamed again into a SAS XPORT v5 file with exactly those widths, so the .xpt
and the .csv hold the same values. ``define.csv`` is a define-style table of every variable.
USUBJID = STUDYID-SITEID-SUBJID, where SUBJID is the number part of the participant id.
Not done (documented in docs/export-formats.md): MedDRA coding (AEDECOD repeats the verbatim term),
SUPP-- datasets, trial design domains.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from server.exports.current import ALL, ExportScope, ParticipantData, participants_with_data
from server.exports.dosing import dose_lines
from server.exports.xport import XportVariable, XportWriter
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


@dataclass(frozen=True)
class Var:
    """One SDTM variable: name, label, numeric or not, and its codelist/notes for define.csv."""

    name: str
    label: str
    numeric: bool = False
    terms: str = ""


def _v(spec: str) -> list[Var]:
    out = []
    for line in spec.strip().splitlines():
        name, label, *rest = [p.strip() for p in line.split("|")]
        kind = rest[0] if rest else ""
        out.append(Var(name, label, kind == "N", rest[1] if len(rest) > 1 else ""))
    return out


_ID = """STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
USUBJID|Unique Subject Identifier"""
DOMAINS: dict[str, tuple[str, list[Var]]] = {
    "DM": ("Demographics", _v(_ID + """
SUBJID|Subject Identifier for the Study
RFSTDTC|Subject Reference Start Date/Time
RFENDTC|Subject Reference End Date/Time
SITEID|Study Site Identifier
BRTHDTC|Date/Time of Birth|C|year only (ISO 8601 partial date)
AGE|Age|N
AGEU|Age Units|C|YEARS
SEX|Sex|C|F, M
ARMCD|Planned Arm Code
ARM|Description of Planned Arm
ACTARMCD|Actual Arm Code
ACTARM|Description of Actual Arm
COUNTRY|Country|C|ISO 3166-1 alpha-3""")),
    "AE": ("Adverse Events", _v(_ID + """
AESEQ|Sequence Number|N
AESPID|Sponsor-Defined Identifier|C|record UUID
AETERM|Reported Term for the Adverse Event
AEDECOD|Dictionary-Derived Term|C|verbatim term (not MedDRA-coded)
AESEV|Severity/Intensity|C|MILD, MODERATE, SEVERE (from CTCAE grade 1, 2, >=3)
AETOXGR|Standard Toxicity Grade|C|CTCAE v5.0: 1, 2, 3, 4, 5
AESER|Serious Event|C|Y, N
AESDTH|Results in Death|C|Y, N
AESLIFE|Is Life Threatening|C|Y, N
AESHOSP|Requires or Prolongs Hospitalization|C|Y, N
AESDISAB|Persist or Signif Disability/Incapacity|C|Y, N
AESCONG|Congenital Anomaly or Birth Defect|C|Y, N
AESMIE|Other Medically Important Serious Event|C|Y, N
AEREL|Causality|C|RELATED, PROBABLY RELATED, POSSIBLY RELATED, UNLIKELY RELATED, NOT ASSESSABLE, NOT RELATED
AEACN|Action Taken with Study Treatment
AEOUT|Outcome of Adverse Event
AEDTC|Date/Time of Collection
AESTDTC|Start Date/Time of Adverse Event
AEENDTC|End Date/Time of Adverse Event""")),
    "QS": ("Questionnaires", _v(_ID + """
QSSEQ|Sequence Number|N
QSSPID|Sponsor-Defined Identifier|C|record UUID
QSTESTCD|Question Short Name|C|see QS tests in docs/export-formats.md
QSTEST|Question Name
QSCAT|Category of Question|C|PATIENT GLOBAL VAS, ESSPRI, ESSDAI, PHYSICIAN GLOBAL VAS
QSORRES|Finding in Original Units
QSORRESU|Original Units|C|mm, cm
QSSTRESC|Character Result/Finding in Std Format
QSSTRESN|Numeric Finding in Standard Units|N
QSSTRESU|Standard Units|C|mm, cm
VISITNUM|Visit Number|N
VISIT|Visit Name
QSDTC|Date/Time of Finding""")),
    "EX": ("Exposure", _v(_ID + """
EXSEQ|Sequence Number|N
EXSPID|Sponsor-Defined Identifier|C|record UUID of the dosing diary
EXTRT|Name of Treatment
EXDOSE|Dose|N
EXDOSU|Dose Units|C|MIU, mg
EXDOSFRQ|Dosing Frequency per Interval|C|BIW, QD
EXROUTE|Route of Administration|C|SUBCUTANEOUS, ORAL
EXADJ|Reason for Dose Adjustment|C|missed-dose reason from the diary
VISITNUM|Visit Number|N
VISIT|Visit Name
EXSTDY|Study Day of Start of Treatment|N
EXENDY|Study Day of End of Treatment|N
EXENDTC|End Date/Time of Treatment""")),
    "DS": ("Disposition", _v(_ID + """
DSSEQ|Sequence Number|N
DSTERM|Reported Term for the Disposition Event
DSDECOD|Standardized Disposition Term
DSCAT|Category for Disposition Event|C|PROTOCOL MILESTONE, DISPOSITION EVENT
DSSTDTC|Start Date/Time of Disposition Event""")),
    "LB": ("Laboratory Test Results", _v(_ID + """
LBSEQ|Sequence Number|N
LBTESTCD|Lab Test or Examination Short Name|C|TREGPCT
LBTEST|Lab Test or Examination Name
LBCAT|Category for Lab Test|C|FLOW CYTOMETRY
LBORRES|Result or Finding in Original Units
LBORRESU|Original Units|C|%
LBSTRESC|Character Result/Finding in Std Format
LBSTRESN|Numeric Result/Finding in Standard Units|N
LBSTRESU|Standard Units|C|%
VISITNUM|Visit Number|N
VISIT|Visit Name
LBDTC|Date/Time of Specimen Collection""")),
}

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


def ae_row(rec: dict[str, Any]) -> dict[str, Any]:
    """The SDTM AE values of one adverse-event record (without identifiers and sequence)."""
    d = rec["data"]
    rels = [CAUSALITY_REL[d[k]] for k in ("causality_il2", "causality_rapamycin") if d.get(k) in CAUSALITY_REL]
    actions = {ACTION[d[k]] for k in ("action_il2", "action_rapamycin")
               if d.get(k) in ACTION and d.get(k) != "not_applicable"}
    criteria = d.get("serious_criteria") or []
    row = {"AESPID": rec["record_id"], "AETERM": d["term"], "AEDECOD": d["term"].upper(),
           "AESEV": SEVERITY[d["grade"]], "AETOXGR": str(d["grade"]), "AESER": _yn(bool(d.get("serious"))),
           "AEREL": min(rels, key=REL_ORDER.index) if rels else "NOT RELATED",
           "AEACN": actions.pop() if len(actions) == 1 else ("MULTIPLE" if actions else "NOT APPLICABLE"),
           "AEOUT": OUTCOME.get(d.get("outcome"), "UNKNOWN"), "AEDTC": rec["collected_at"][:10],
           "AESTDTC": d.get("onset_date"), "AEENDTC": d.get("end_date")}
    row.update({flag: _yn(c in criteria) for flag, c in SERIOUS_FLAGS.items()})
    return row


def _ae(study: Study, pd: ParticipantData) -> Iterator[dict[str, Any]]:
    for rec in pd.records:
        if rec["kind"] == "adverse_event":
            yield ae_row(rec)


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


def _rows(study: Study, domain: str, pd: ParticipantData) -> Iterator[list[str]]:
    """The text values of one participant's rows in ``domain``, in the order of DOMAINS[domain]."""
    variables = DOMAINS[domain][1]
    p = pd.participant
    ids = {"STUDYID": study.study.id, "DOMAIN": domain, "USUBJID": usubjid(study, p["participant_id"], p["site_id"])}
    for seq, row in enumerate(BUILDERS[domain](study, pd), start=1):
        row = {**ids, f"{domain}SEQ": seq, **row}
        yield [_num(row.get(v.name)) if v.numeric else ("" if row.get(v.name) is None else str(row[v.name]))
               for v in variables]


def char_lengths(study: Study) -> dict[str, int]:
    """Declared byte lengths of the character variables (define.csv and the .xpt use them).

    Fixed up front so CSV and XPT are written in one pass; a longer value is refused (XportLimit), never cut.
    Lengths that depend on the study (ids, visit labels, arm and treatment names) are taken from the study file.
    """
    site = max(len(s.id) for s in study.sites)
    lengths = {"STUDYID": len(study.study.id), "DOMAIN": 2, "USUBJID": len(study.study.id) + site + 8,
               "SUBJID": 6, "SITEID": site, "BRTHDTC": 4, "AGEU": 5, "SEX": 1, "ARMCD": 20, "ACTARMCD": 20,
               "ARM": max(len(a.name) for a in study.arms), "COUNTRY": 3, "AETERM": 200, "AEDECOD": 200,
               "AESEV": 8, "AETOXGR": 1, "AEREL": 16, "AEACN": 16, "AEOUT": 32, "QSTESTCD": 8, "QSTEST": 40,
               "QSCAT": 20, "QSORRES": 20, "QSSTRESC": 20, "QSORRESU": 4, "QSSTRESU": 4, "QSDTC": 32,
               "VISIT": max(len(v.label.encode()) for v in study.visits), "EXDOSU": 8, "EXDOSFRQ": 8,
               "EXTRT": max(len(t.name) for a in study.arms for t in a.treatments), "EXROUTE": 16, "EXADJ": 20,
               "DSTERM": 40, "DSDECOD": 40, "DSCAT": 20, "LBTESTCD": 8, "LBTEST": 40, "LBCAT": 20, "LBORRES": 20,
               "LBSTRESC": 20, "LBORRESU": 8, "LBSTRESU": 8}
    lengths["ACTARM"] = lengths["ARM"]
    for name in ("AESPID", "QSSPID", "EXSPID"):
        lengths[name] = 36
    return lengths


def _length(lengths: dict[str, int], var: Var) -> int:
    if var.numeric:
        return 8
    return lengths.get(var.name, 10 if var.name.endswith("DTC") else 40)


def export_sdtm(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write <domain>.csv and <domain>.xpt for DM, AE, QS, EX, DS, LB plus define.csv; rows per file.

    One pass over the participants writes every domain's CSV and XPT row by row, from the same values.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    lengths = char_lengths(study)
    widths = {(d, v.name): _length(lengths, v) for d, (_l, variables) in DOMAINS.items() for v in variables}
    with ExitStack() as stack:
        writers = {}
        for domain, (label, variables) in DOMAINS.items():
            fh = stack.enter_context(open(out_dir / f"{domain.lower()}.csv", "w", newline="", encoding="utf-8"))
            xpt = stack.enter_context(XportWriter(out_dir / f"{domain.lower()}.xpt", domain, label, [
                XportVariable(v.name, v.label, v.numeric, widths[(domain, v.name)]) for v in variables]))
            writers[domain] = (csv.writer(fh), xpt)
            writers[domain][0].writerow([v.name for v in variables])
        for pd in participants_with_data(conn, scope):
            for domain in DOMAINS:
                w, xpt = writers[domain]
                for row in _rows(study, domain, pd):
                    w.writerow(row)
                    xpt.write(row)
        for domain, (_w, xpt) in writers.items():
            counts[f"{domain.lower()}.csv"] = counts[f"{domain.lower()}.xpt"] = xpt.rows
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
        counts["define.csv"] = n
    return counts
