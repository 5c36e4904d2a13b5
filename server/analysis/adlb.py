"""ADLB: one record per participant x lab test of the study file's panels x result (BDS; rules in ``bds``).

PARAMCD is the test code (LBTESTCD), PARAM its name with the unit, PARAMN the study-file order, PARCAT1 the
category. ANRIND is the normal-range indicator by the participant's sex and ATOXGR the CTCAE v5.0 grade
(``shared.lab_grading``: "0" within the limit for a graded test, "" for a test without a criterion); BNRIND and
BTOXGR are those of the baseline record.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from server.analysis.bds import ORDER, analysis_visit, derive, study_day
from server.exports.current import ParticipantData
from shared.lab_grading import grade, range_indicator
from shared.study.lab_panel import LabTest
from shared.study.model import Study


def lb_param(test: LabTest) -> str:
    """PARAM of a lab test: its name and unit."""
    return f"{test.name} ({test.sdtm_unit})"


def _toxgr(test: LabTest, value: float, sex: str | None) -> str:
    graded = grade(test, value, sex)
    return str(graded.grade) if graded else ("0" if test.ctcae else "")


def adlb_rows(study: Study, pd: ParticipantData, subject: dict[str, Any], *, first_dose: date | None,
              baseline_day: date | None) -> list[dict[str, Any]]:
    """The ADLB rows of one participant (``subject``: the ADSL variables copied onto each row)."""
    tests = list(study.lab_tests.values())
    sex = pd.participant.get("sex")
    by_param: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lab in pd.labs:
        test = study.lab_tests.get(lab["test_code"])
        if test is None:          # a test the study file no longer has never aborts the datasets
            continue
        value = float(lab["value"])
        day = date.fromisoformat(str(lab["sample_date"])[:10])
        avisit, avisitn = analysis_visit(study, lab.get("visit_id"))
        rng = test.normal_range(sex)
        toxgr = _toxgr(test, value, sex)
        by_param[test.code].append({
            **subject, "PARAMCD": test.code, "PARAM": lb_param(test), "PARAMN": tests.index(test) + 1,
            "PARCAT1": test.category, "AVISIT": avisit, "AVISITN": avisitn, "ADT": day,
            "ADY": study_day(day, first_dose), "AVAL": value,
            "ANRLO": rng.low if rng else None, "ANRHI": rng.high if rng else None,
            "ANRIND": range_indicator(test, value, sex) or "", "ATOXGR": toxgr,
            "ATOXGRN": int(toxgr) if toxgr else None, "LBSPID": str(lab["result_id"]),
            ORDER: (day, str(lab.get("imported_at") or ""), str(lab["result_id"]))})
    out: list[dict[str, Any]] = []
    for test in tests:
        rows = derive(by_param.get(test.code, ()), first_dose=first_dose, baseline_day=baseline_day)
        base = next((r for r in rows if r["ABLFL"] == "Y"), None)
        for r in rows:
            r["BNRIND"] = base["ANRIND"] if base else ""
            r["BTOXGR"] = base["ATOXGR"] if base else ""
            r["BTOXGRN"] = base["ATOXGRN"] if base else None
        out += rows
    return out
