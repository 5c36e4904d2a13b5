"""SDTM RP (Reproductive System Findings, SDTMIG 3.4) from the screening record (issue 18).

Childbearing potential decides the pregnancy-test rule at randomisation, so it is a finding of its own:
RPTESTCD CHILDPOT, RPORRES/RPSTRESC Y or N, dated the screening date (site-local, as typed) at the study's
screening visit, EPOCH SCREENING. Not recorded (null) is no row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.current import ParticipantData
from server.exports.sdtm_timing import SCREENING, Timing
from shared.study.model import Study

TESTCD, TEST = "CHILDPOT", "Childbearing Potential"


def rp_rows(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """One RP row when the screening record says whether the person is of childbearing potential."""
    screening = next((r for r in pd.records if r["kind"] == "screening"), None)
    potential = screening["data"].get("childbearing_potential") if screening else None
    if not isinstance(potential, bool):
        return
    day = screening["data"].get("screening_date")
    visit = study.visit_with_role("screening")
    answer = "Y" if potential else "N"
    yield {"RPTESTCD": TESTCD, "RPTEST": TEST, "RPORRES": answer, "RPSTRESC": answer,
           "VISITNUM": visit.number if visit else None, "VISIT": visit.label if visit else None,
           "EPOCH": SCREENING, "RPDTC": day, "RPDY": t.study_day(day)}
