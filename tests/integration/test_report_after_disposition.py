"""The study report's forms due stop at a participant's disposition (issue 16, point 2: after it no visit is
due or overdue), as the visit rules of the deviations do: a participant who withdrew ten days after baseline is
not counted as missing every later form for ever."""

from __future__ import annotations

from datetime import date, timedelta

from server.exports.current import ParticipantData
from server.exports.report_data import _due_and_done
from shared.study import default_study

STUDY = default_study()
BASELINE = date(2026, 3, 2)


def _participant(withdrawn_on: date | None) -> ParticipantData:
    base = STUDY.visit_with_role("baseline")
    assert base is not None
    records = [{"record_id": f"r-{inst}", "kind": "instrument_response", "site_id": "PKU", "visit_id": base.id,
                "instrument_id": inst, "collected_at": f"{BASELINE.isoformat()}T02:00:00.000Z", "data": {}}
               for inst in base.instruments]
    if withdrawn_on is not None:
        records.append({"record_id": "r-end", "kind": "disposition", "site_id": "PKU",
                        "collected_at": f"{withdrawn_on.isoformat()}T02:00:00.000Z",
                        "data": {"status": "discontinued", "date": withdrawn_on.isoformat(),
                                 "reason": "withdrawal_by_subject"}})
    return ParticipantData(participant={"participant_id": "PKU-1", "site_id": "PKU", "arm": STUDY.arms[0].code,
                                        "enrolled_at": f"{BASELINE.isoformat()}T01:00:00.000Z"},
                           records=records, labs=[])


def test_no_form_is_due_after_the_disposition() -> None:
    later = BASELINE + timedelta(days=365)
    due_on_study, _ = _due_and_done(STUDY, _participant(None), later)
    due, done = _due_and_done(STUDY, _participant(BASELINE + timedelta(days=10)), later)
    assert due == done == len(STUDY.visit_with_role("baseline").instruments) < due_on_study
