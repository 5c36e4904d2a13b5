"""SDTM-style datasets (SDTMIG 3.x names, labels and controlled terms): DM, AE, QS, EX, DS, LB and SUPPAE.

This module turns each participant's records into rows; ``sdtm_files`` writes each row to the .csv, .xpt
and Dataset-JSON files at once (after the ASCII and length rules), ``sdtm_model`` holds the variables.
``define.csv`` is a define-style table of every variable.
USUBJID = STUDYID-SITEID-SUBJID, where SUBJID is the number part of the participant id.
AE: AEDECOD and the MedDRA hierarchy come from the imported MedDRA release (a data manager's coding, else the
exact match of the English translation or the verbatim term); without a dictionary or a match they stay empty,
never the verbatim term. AETERM is the English translation where the verbatim term needs one. SUPPAE holds each
drug's causality and action (AERELn / AEACNn), treatment emergence (AETRTEM, SDTMIG 3.4 Appendix C2: a
supplemental qualifier in SDTM; TRTEMFL is its ADaM counterpart) and the SUSAR flag (AESUSAR).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from server.exports.csv_cells import formula_safe_writer
from server.exports.current import ALL, ExportScope, ParticipantData, participants_with_data
from server.exports.define_xml import write_define_xml
from server.exports.sdtm_ae import ACTION, OUTCOME, ae_rows
from server.exports.sdtm_cm import cm_rows
from server.exports.sdtm_design import DESIGN, design_rows, design_widths, subject_elements
from server.exports.sdtm_ds import ds_rows, dv_rows
from server.exports.sdtm_ex import ex_rows
from server.exports.sdtm_files import SubmissionFiles, Supp, metadata_version_oid, source_version
from server.exports.sdtm_lb import lb_values
from server.exports.sdtm_lb_pregnancy import pregnancy_lb_rows
from server.exports.sdtm_mh import mh_rows
from server.exports.sdtm_model import DOMAINS, LAZY_DATASETS, Var, dataset_widths, number_text
from server.exports.sdtm_qs import qs_rows
from server.exports.sdtm_rp import rp_rows
from server.exports.sdtm_timing import SCREENING, Timing, record_days, site_day, timing
from server.exports.sdtm_vs import vs_rows
from server.services.ae_causality import Confirmations
from server.services.ae_review import AeReviewer
from shared.disposition import COMPLETED_TERM, REASONS
from shared.eligibility import PENDING_CODES, screening_failures
from shared.study.model import PARTICIPANT_ID, Study

ROUTE = {"subcutaneous": "SUBCUTANEOUS", "oral": "ORAL"}
FREQUENCY = {"twice weekly": "BIW", "once daily": "QD"}

TERMS = {"AEACN": ", ".join([*ACTION.values(), "MULTIPLE"]), "AEOUT": ", ".join(OUTCOME.values()),
         "DSDECOD": ", ".join(["INFORMED CONSENT OBTAINED", "RANDOMIZED", COMPLETED_TERM[0],
                               *(term for term, _code, _label in REASONS.values())])}


def usubjid(study: Study, participant_id: str, site_id: str) -> str:
    """STUDYID-SITEID-SUBJID."""
    return f"{study.study.id}-{site_id}-{subjid(participant_id)}"


def subjid(participant_id: str) -> str:
    m = PARTICIPANT_ID.fullmatch(participant_id)
    return m.group("number") if m else participant_id


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _visit(study: Study, visit_id: str | None) -> tuple[Any, str]:
    try:
        v = study.visit(visit_id or "")
    except KeyError:
        return None, ""
    return v.number, v.label


def _iso(d: Any) -> str | None:
    return d.isoformat() if d else None


ARMNRS = {"screen_failure": "SCREEN FAILURE", "pending": "NOT ASSIGNED", "eligible": "NOT ASSIGNED"}
# what a person screened but never randomised has (RP: childbearing potential, a screening finding)
NOT_RANDOMISED_DOMAINS = frozenset({"DM", "IE", "DS", "QS", "SV", "RP"})


def birth_and_age(pd: ParticipantData) -> tuple[str, int]:
    """BRTHDTC and AGE: the birth year-month and age at consent of the screening record (the one-step enrolment
    of earlier releases kept the year of birth only: the age in the year of enrolment)."""
    p = pd.participant
    screening = next((r for r in pd.records if r["kind"] == "screening"), None)
    if screening is not None:
        return screening["data"]["birth_year_month"], screening["data"]["age_at_consent"]
    return str(p["year_of_birth"]), int(p["enrolled_at"][:4]) - int(p["year_of_birth"])


def _dm(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """DM: RACE and ETHNIC are not collected, so NOT REPORTED (CDISC CT RACE/ETHNIC); DTHFL/DTHDTC from a
    fatal adverse event (grade 5), empty otherwise. Everyone screened has a row (SDTMIG 3.4): someone not
    randomised has ARMCD, ARM, ACTARMCD and ACTARM empty and ARMNRS the reason (SCREEN FAILURE or NOT
    ASSIGNED). AGE is the age at consent from the full date of birth and BRTHDTC the birth year-month (the
    one-step enrolment of earlier releases kept the year of birth only)."""
    p = pd.participant
    arm = study.arm(p["arm"]) if p["arm"] else None
    screening = next((r for r in pd.records if r["kind"] == "screening"), None)
    enrol = screening or next((r for r in pd.records if r["kind"] == "enrolment"), None)
    deaths = sorted(r["data"].get("death_date") or r["data"].get("end_date") or r["data"].get("onset_date") or ""
                    for r in pd.records if r["kind"] == "adverse_event" and r["data"].get("grade") == 5)
    dmdtc = site_day(enrol["collected_at"], study, p["site_id"]) if enrol else None
    born, age = birth_and_age(pd)
    yield {"SUBJID": subjid(p["participant_id"]), "RFSTDTC": _iso(t.rfstdtc), "RFENDTC": _iso(t.rfendtc),
           "RFXSTDTC": _iso(t.rfxstdtc), "RFXENDTC": _iso(t.rfxendtc), "RFICDTC": _iso(t.rficdtc),
           "RFPENDTC": _iso(t.rfendtc), "DTHDTC": deaths[0] if deaths else None, "DTHFL": "Y" if deaths else None,
           "SITEID": p["site_id"], "BRTHDTC": born, "AGE": age, "AGEU": "YEARS", "SEX": p["sex"],
           "RACE": "NOT REPORTED", "ETHNIC": "NOT REPORTED",
           "ARMCD": arm.code if arm else None, "ARM": arm.name if arm else None,
           "ACTARMCD": arm.code if arm else None, "ACTARM": arm.name if arm else None,
           "ARMNRS": None if arm else ARMNRS.get(p["status"], "NOT ASSIGNED"),
           "COUNTRY": study.site(p["site_id"]).country, "DMDTC": dmdtc, "DMDY": t.study_day(dmdtc)}


def _flag_baseline(rows: list[dict[str, Any]], t: Timing, code: str, dtc: str, prefix: str) -> None:
    """--LOBXFL (and --BLFL, the same record) = Y on the last non-missing result of each test on or before the
    first dose date (RFXSTDTC: the baseline visit, whose assessments come before the first dose)."""
    if t.rfxstdtc is None:
        return
    first_dose = t.rfxstdtc.isoformat()
    last: dict[str, dict[str, Any]] = {}
    for row in rows:                                  # rows are in collection order: a later one replaces
        day = (row.get(dtc) or "")[:10]
        if day and day <= first_dose and row.get(f"{prefix}ORRES") not in (None, ""):
            last[row[code]] = row
    for row in last.values():
        row[f"{prefix}LOBXFL"] = row[f"{prefix}BLFL"] = "Y"


def _ex(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    yield from ex_rows(study, pd, t, diary_id(study))


def _lb(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """LB from the study file's lab panel (``sdtm_lb``): ranges by the participant's sex, LBNRIND, CTCAE grade."""
    rows = []
    for lab in pd.labs:
        row = lb_values(study, lab, pd.participant.get("sex"))
        if row is None:
            continue
        for name in ("LBORRES", "LBSTRESC", "LBORNRLO", "LBORNRHI"):
            row[name] = number_text(row[name]) or None
        num, label = _visit(study, lab["visit_id"])
        row.update({"VISITNUM": num, "VISIT": label, "EPOCH": t.epoch(lab["sample_date"]),
                    "LBDTC": lab["sample_date"], "LBDY": t.study_day(lab["sample_date"])})
        rows.append(row)
    rows += pregnancy_lb_rows(study, pd, t)   # issue 18: pregnancy tests (HCG) belong in LB
    _flag_baseline(rows, t, "LBTESTCD", "LBDTC", "LB")
    yield from rows


def _se(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    yield from subject_elements(study, pd.participant["arm"], t)


def _sv(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """One SV row per visit with any record: first and last date of its records."""
    days: dict[str, list[date | None]] = {}
    local = t.days if t.days is not None and len(t.days) == len(pd.records) else record_days(study, pd)
    for rec, day in zip(pd.records, local, strict=True):
        if rec.get("visit_id"):
            days.setdefault(rec["visit_id"], []).append(day)
    known = {x.id for x in study.visits}
    for visit in sorted((study.visit(v) for v in days if v in known), key=lambda v: v.number):
        found = days[visit.id]
        dated = [d for d in found if d is not None]     # a record without a day counts as "" (the first)
        first = min(dated).isoformat() if dated and len(dated) == len(found) else ""
        last = max(dated).isoformat() if dated else ""
        planned = None if visit.day is None else (visit.day + 1 if visit.day >= 0 else visit.day)
        yield {"VISITNUM": visit.number, "VISIT": visit.label, "VISITDY": planned, "EPOCH": t.epoch(first),
               "SVSTDTC": first, "SVENDTC": last, "SVSTDY": t.study_day(first), "SVENDY": t.study_day(last),
               "SVUPDES": visit.label if not visit.scheduled else None}


def _ie(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """IE: each criterion not met at screening (a screen failure's; a criterion not yet answered is not a row),
    from the screening record or the one-step enrolment of earlier releases (which refused those, so none)."""
    screening = next((r for r in pd.records if r["kind"] == "screening"), None)
    if screening is not None:
        day = screening["data"]["screening_date"]
        failed = {f.criterion_id for f in screening_failures(study, screening["data"])
                  if f.code not in PENDING_CODES}
        for cat, criteria, answer in (("INCLUSION", study.inclusion, "N"), ("EXCLUSION", study.exclusion, "Y")):
            for c in criteria:
                if c.id in failed:
                    yield {"IETESTCD": c.id, "IETEST": c.text, "IECAT": cat, "IEORRES": answer, "IESTRESC": answer,
                           "EPOCH": SCREENING, "IEDTC": day, "IEDY": t.study_day(day)}
        return
    enrol = next((r for r in pd.records if r["kind"] == "enrolment"), None)
    if not enrol:
        return
    met = enrol["data"].get("criteria") or {}
    day = enrol["data"].get("screening_date") or site_day(enrol["collected_at"], study, enrol.get("site_id"))
    for cat, criteria, bad in (("INCLUSION", study.inclusion, False), ("EXCLUSION", study.exclusion, True)):
        for c in criteria:
            if met.get(c.id) is bad:
                answer = "Y" if bad else "N"
                yield {"IETESTCD": c.id, "IETEST": c.text, "IECAT": cat, "IEORRES": answer, "IESTRESC": answer,
                       "EPOCH": SCREENING, "IEDTC": day, "IEDY": t.study_day(day)}


def _vs(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    rows = list(vs_rows(study, pd, t))
    _flag_baseline(rows, t, "VSTESTCD", "VSDTC", "VS")
    yield from rows


BUILDERS: dict[str, Callable[[Study, ParticipantData, Timing], Iterable[dict[str, Any]]]] = {
    "DM": _dm, "AE": ae_rows, "EX": _ex, "DS": ds_rows, "LB": _lb, "SE": _se, "SV": _sv, "IE": _ie,
    "CM": cm_rows, "MH": mh_rows, "VS": _vs,
    "DV": dv_rows,   # issue 16: server/exports/sdtm_ds.py
    "RP": rp_rows}   # issue 18: childbearing potential from the screening record
def diary_id(study: Study) -> str | None:
    """The id of the study's dosing diary (role dosing: reported doses per period), if it has one."""
    diary = study.instrument_with_role("dosing")
    return diary.id if diary else None


def _rows(study: Study, domain: str, pd: ParticipantData, t: Timing, reviewer: AeReviewer | None = None,
          confirmations: Confirmations | None = None
          ) -> Iterator[tuple[list[str], list[Supp], list[tuple[str, ...]]]]:
    """The text values of one participant's rows in ``domain`` (in the order of DOMAINS[domain]), the
    supplemental qualifiers of each row (``reviewer``: MedDRA coding, emergence and SUSAR of the AEs) and the
    export-report lines it needs (usubjid, idvar, idvarval, variable, rule, original, exported)."""
    variables = DOMAINS[domain][1]
    p = pd.participant
    ids = {"STUDYID": study.study.id, "DOMAIN": domain, "USUBJID": usubjid(study, p["participant_id"], p["site_id"])}
    seq_name = f"{domain}SEQ"
    layout = _LAYOUTS[domain]
    built = ae_rows(study, pd, t, reviewer, confirmations) if domain == "AE" else BUILDERS[domain](study, pd, t)
    for seq, row in enumerate(built, start=1):
        row.update(ids)
        row[seq_name] = seq
        notes = [(ids["USUBJID"], seq_name, str(seq), *n) for n in row.get("_notes") or ()]
        yield _text_row(variables, row, layout), row.get("_supp") or [], notes


def _write_qs(files: SubmissionFiles, study: Study, pd: ParticipantData, t: Timing) -> None:
    """QS, most rows of an export: built as text in variable order (``sdtm_qs``) and written together."""
    p = pd.participant
    rows = qs_rows(study, pd, t, usubjid(study, p["participant_id"], p["site_id"]))
    if not rows:
        return
    if any(map(_SUPP, rows)):
        for row, supp in rows:
            files.write("QS", row, supp)
    else:
        files.write_rows("QS", list(map(_ROW, rows)))


_ROW, _SUPP = itemgetter(0), itemgetter(1)


def _layout(variables: list[Var]) -> tuple[list[str], list[int]]:
    return [v.name for v in variables], [i for i, v in enumerate(variables) if v.numeric]


_LAYOUTS = {domain: _layout(variables) for domain, (_label, variables) in DOMAINS.items()}   # asked per participant


def _text_row(variables: list[Var], row: dict[str, Any],
              layout: tuple[list[str], list[int]] | None = None) -> list[str]:
    """A row's values in variable order as text: numbers via _num, None as ""."""
    names, numeric = layout or _layout(variables)
    values = list(map(row.get, names))
    for i in numeric:
        values[i] = number_text(values[i])
    return ["" if v is None else v if type(v) is str else str(v) for v in values]


def _define_csv(out_dir: Path, widths: dict[tuple[str, str], int]) -> int:
    """define.csv: the define-style table of every variable (kept beside define.xml for spreadsheet users)."""
    with open(out_dir / "define.csv", "w", newline="", encoding="utf-8") as fh:
        w = formula_safe_writer(fh)
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
    widths = {**dataset_widths(study), **design_widths(study)}
    datasets = {**DOMAINS, **DESIGN}
    # RFXSTDTC, worked out below from every record of the participant, is the first dose the AE review needs;
    # with a date range the records are cut, so the reviewer reads the first doses itself
    whole = scope.date_from is None and scope.date_to is None
    first_doses: dict[str, date | None] | None = {} if whole else None
    reviewer = AeReviewer(conn, study, site_id=scope.site_id, first_doses=first_doses)
    diary = diary_id(study)
    confirmations = Confirmations(conn)
    with SubmissionFiles(out_dir, study, datasets, widths, lazy=LAZY_DATASETS) as files:
        subjects = 0
        for pd in participants_with_data(conn, scope, screened=True):
            t = timing(study, pd, diary, as_of=scope.as_of(study, pd.participant["site_id"]))
            if first_doses is not None:
                first_doses[pd.participant["participant_id"]] = t.rfxstdtc
            randomised = bool(pd.participant["arm"])
            subjects += randomised   # TS counts randomised subjects; DM has everyone screened
            for domain in DOMAINS if randomised else [d for d in DOMAINS if d in NOT_RANDOMISED_DOMAINS]:
                if domain == "QS":
                    _write_qs(files, study, pd, t)
                    continue
                for row, supp, notes in _rows(study, domain, pd, t, reviewer, confirmations):
                    files.write(domain, row, supp)
                    for note in notes:
                        files.report.add(domain, *note)
        for name, row in design_rows(study, subjects):
            files.write(name, _text_row(DESIGN[name][1], {"STUDYID": study.study.id, "DOMAIN": name, **row}))
    counts = files.counts()
    write_define_xml(out_dir / "define.xml", study, [
        (f.name, f.label, f.variables, {v.name: w for v, w in zip(f.variables, f.widths, strict=True)})
        for f in files.files.values()], created_at=files.created_at, mdv_oid=metadata_version_oid(study),
        source_version=source_version(),
        external_versions={"MEDDRA": str(reviewer.release["version"])} if reviewer.release else None)
    counts["define.xml"] = len(files.files)
    counts["define.csv"] = _define_csv(out_dir, widths)
    return counts
