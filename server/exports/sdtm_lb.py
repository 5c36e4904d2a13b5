"""SDTM LB (SDTMIG 3.4) values of one lab result, from the study file's lab panel: units (CDISC UNIT terms),
normal range by the participant's sex (LBORNRLO/HI, LBSTNRLO/HI), LBNRIND, LBSPEC, LBCAT, LBMETHOD, LBLOINC and
the CTCAE v5.0 grade (LBTOX, LBTOXGR). No unit conversion: the stored unit is the standard one, so the original
and standard results are the same value."""

from __future__ import annotations

from typing import Any

from shared.lab_grading import grade, range_indicator
from shared.study.model import Study


def lb_values(study: Study, lab: dict[str, Any], sex: str | None) -> dict[str, Any] | None:
    """The LB values of a stored result (numbers as numbers: the caller formats text); None for a test the study
    file no longer has (so an old result never aborts the export)."""
    test = study.lab_tests.get(lab["test_code"])
    if test is None:
        return None
    value = float(lab["value"])
    rng = test.normal_range(sex)
    low, high = (rng.low, rng.high) if rng is not None else (None, None)
    graded = grade(test, value, sex)
    return {"LBSPID": lab["result_id"], "LBTESTCD": test.code, "LBTEST": test.name, "LBCAT": test.category,
            "LBORRES": value, "LBORRESU": test.sdtm_unit, "LBORNRLO": low, "LBORNRHI": high, "LBSTRESC": value,
            "LBSTRESN": value, "LBSTRESU": test.sdtm_unit, "LBSTNRLO": low, "LBSTNRHI": high,
            "LBNRIND": range_indicator(test, value, sex), "LBLOINC": test.loinc or None, "LBSPEC": test.specimen,
            "LBMETHOD": test.method or None,
            "LBTOX": graded.term if graded else None,
            "LBTOXGR": str(graded.grade) if graded else ("0" if test.ctcae else None)}
