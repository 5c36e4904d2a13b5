"""Lab results as people read them (web participant page, nurse mode downstream): the current value of each
result with its normal range for the participant's sex, LOW/NORMAL/HIGH, CTCAE grade and correction reason,
and the AEs the graded ones propose."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from server.storage.labs import current_of_participant, of_site_after
from shared.lab_grading import AeProposal, ae_proposals, grade, range_indicator
from shared.study.model import Study


def shown(study: Study, lab: Any, sex: str | None) -> dict[str, Any]:
    """One stored result (row or mapping) as the screens show it."""
    r = dict(lab._mapping) if hasattr(lab, "_mapping") else dict(lab)
    test = study.lab_tests.get(r["test_code"])
    rng = test.normal_range(sex) if test else None
    g = grade(test, r["value"], sex) if test else None
    return {"result_id": r["result_id"], "revision": r["revision"], "participant_id": r["participant_id"],
            "visit_id": r["visit_id"], "test_code": r["test_code"], "test_name": test.name if test else r["test_code"],
            "test_name_zh": test.name_zh if test else r["test_code"], "sample_date": r["sample_date"],
            "value": r["value"], "unit": r["unit"], "low": rng.low if rng else None,
            "high": rng.high if rng else None, "flag": range_indicator(test, r["value"], sex) if test else None,
            "grade": g.grade if g else None, "term": g.term if g else None, "reason": r.get("reason")}


def participant_labs(conn: Connection, study: Study, participant_id: str, sex: str | None,
                     adverse_events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[AeProposal]]:
    """The participant's current results (by sample date) and the AE proposals of the graded ones."""
    rows = [shown(study, r, sex) for r in current_of_participant(conn, participant_id)]
    events = [{"participant_id": participant_id, **a} for a in adverse_events]
    return rows, ae_proposals(study, rows, {participant_id: sex}, events)


MAX_LABS_PER_ANSWER = 1000


def downstream(conn: Connection, study: Study, site_id: str, cursor: int) -> dict[str, Any]:
    """The lab-result revisions of a site stored after ``cursor`` (seq) for the kiosk's nurse mode: each as
    shown (range for the participant's sex, flag, grade) plus the sex, so the kiosk grades and proposes the same
    way; ``more_labs`` when another exchange brings the rest."""
    rows = of_site_after(conn, site_id, cursor, MAX_LABS_PER_ANSWER + 1)
    more = len(rows) > MAX_LABS_PER_ANSWER
    rows = rows[:MAX_LABS_PER_ANSWER]
    return {"labs": [{**shown(study, r, r.sex), "sex": r.sex} for r in rows],
            "labs_cursor": rows[-1].seq if rows else cursor, "more_labs": more}
