"""Rules of the study report that need no database (issue 21): responder definitions from the study file,
combination arms derived from the arms' drugs, and the flags of an impossible SAE."""

from __future__ import annotations

from datetime import date

import pytest

from server.exports.report_safety import sae_flags
from server.exports.report_tables import AnalysisRecords, combinations, primary_visit
from shared.study.loader import load_study
from shared.study.report_settings import Responder
from tests.studies import STUDY_FILES


@pytest.fixture(params=sorted(STUDY_FILES))
def study(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return load_study(STUDY_FILES[request.param])


def test_responders_fall_by_points_or_by_per_cent() -> None:
    r = Responder(id="x", instrument="esspri", fall=1.0, fall_pct=15.0, label="x", label_zh="x")
    assert r.responds(6.0, 5.0) is True                    # 1 point
    assert r.responds(4.0, 3.4) is True                    # 0.6 points = 15 %
    assert r.responds(4.0, 3.5) is False                   # 0.5 points, 12.5 %
    assert r.responds(None, 3.0) is None


def test_the_study_files_define_responders_and_a_primary_visit(study) -> None:  # type: ignore[no-untyped-def]
    assert study.report.responders and primary_visit(study).day is not None
    assert "primary_endpoint" in primary_visit(study).roles


def test_a_combination_arm_is_compared_with_each_of_its_monotherapies(study) -> None:  # type: ignore[no-untyped-def]
    pairs = combinations(study)
    assert pairs
    for combo, mono in pairs:
        assert set(study.arm(mono).drugs) < set(study.arm(combo).drugs)


def test_an_sae_related_to_a_drug_the_arm_does_not_receive_is_flagged() -> None:
    study = load_study(STUDY_FILES["nct05605665"])
    mono = next(a for a in study.arms if len(a.drugs) == 1)
    other = next(n for n, d in enumerate(study.drugs, start=1) if d.id not in mono.drugs)
    row = {"ARMCD": mono.code, "SAFFL": "Y", "TRTEMFL": "Y", "ARELINC": "Y", "ASTDT": date(2026, 3, 2),
           "AENDT": date(2026, 3, 1), "AESDTH": "N", "AOUT": "RECOVERED/RESOLVED", "AESUSAR": "N",
           **{f"AREL{n}": ("PROBABLY RELATED" if n == other else "") for n in range(1, len(study.drugs) + 1)}}
    flags = sae_flags(study, row)
    assert flags[0] == f"causality recorded for a drug the arm does not receive ({study.drugs[other - 1].label})"
    assert "ends before its onset" in flags


def test_analysis_records_give_each_parameter_and_visit_what_a_scan_of_every_row_gives() -> None:
    """Issue 25: the tables read the analysis records grouped by (PARAMCD, AVISITN) once; each look-up equals
    the scan it replaced: ANL01FL "Y", the visit's day, a value present, the subject in the set, the last wins."""
    rows = [{"USUBJID": f"S-{n % 7}", "PARAMCD": "AB"[n % 2], "AVISITN": (None, 0, 28, 28.0)[n % 4],
             "ANL01FL": "Y" if n % 5 else "", "AVAL": None if n % 11 == 0 else float(n), "CHG": n - 3,
             "BASE": None, "ARMCD": "X"}
            for n in range(200)]
    subjects = {f"S-{n}" for n in range(6)}
    index = AnalysisRecords(rows)
    for paramcd in "ABC":
        for day in (0, 28, 56):
            for variable in ("AVAL", "CHG"):
                scan = {r["USUBJID"]: r[variable] for r in rows
                        if r["PARAMCD"] == paramcd and r["ANL01FL"] == "Y" and r["AVISITN"] == day
                        and r[variable] is not None and r["USUBJID"] in subjects}
                assert index.values(paramcd, day, variable, subjects) == scan
    assert index.values("A", 28, "AVAL", subjects) and index.values("B", 0, "CHG", subjects)   # not all empty


def test_analysis_records_added_a_participant_at_a_time_equal_them_added_at_once() -> None:
    """Issue 25: the report adds each participant's ADQS records to the columns as it reads them (no row kept);
    the look-ups equal those of every row at once, values as floats, None (no value) never turned into a number."""
    rows = [{"USUBJID": f"S-{n // 20}", "ARMCD": "XY"[n // 20 % 2], "PARAMCD": "AB"[n % 2],
             "AVISITN": (None, 0, 28)[n % 3], "ANL01FL": "Y" if n % 7 else "",
             "AVAL": None if n % 5 == 0 else n / 3, "CHG": None if n % 4 == 0 else -n / 7, "BASE": 0.0}
            for n in range(200)]
    subjects = {f"S-{n}" for n in range(10)}
    whole, streamed = AnalysisRecords(rows), AnalysisRecords()
    for first in range(0, 200, 20):
        streamed.add(rows[first:first + 20])
    for paramcd in "AB":
        for day in (0, 28):
            for variable in ("AVAL", "CHG", "BASE"):
                scan = {r["USUBJID"]: r[variable] for r in rows
                        if r["PARAMCD"] == paramcd and r["ANL01FL"] == "Y" and r["AVISITN"] == day
                        and r[variable] is not None and r["USUBJID"] in subjects}
                assert streamed.values(paramcd, day, variable, subjects) == scan == \
                    whole.values(paramcd, day, variable, subjects)
    assert streamed.arm_of == whole.arm_of == {f"S-{n}": "XY"[n % 2] for n in range(10)}
