"""The visit timeline counts the screening visit done by the screening record itself (issue 23, found by review:
the dashboard said "Screening: done 0" with 15 people screened, and every participant's timeline showed "—" for
a screening that was recorded): the screening log is the record of that visit, on its screening date."""

from __future__ import annotations

from datetime import date

from server.services.dashboard import visit_timeline
from shared.study.loader import default_study


def test_a_screening_record_marks_the_screening_visit_done_on_its_screening_date() -> None:
    study = default_study()
    screening = study.visit_with_role("screening")
    assert screening is not None
    recs = [{"record_id": "s1", "kind": "screening", "visit_id": None, "site_id": study.sites[0].id,
             "measured_at": "2026-11-03T01:00:00+00:00",
             "data": {"screening_date": "2026-11-02", "outcome": "eligible"}}]
    states = {s.visit_id: s for s in visit_timeline(study, recs, "2026-11-10T01:00:00+00:00", date(2026, 11, 20))}
    assert states[screening.id].status == "done"
    assert states[screening.id].done_on == "2026-11-02"


def test_without_a_screening_record_the_screening_visit_is_not_done() -> None:
    study = default_study()
    screening = study.visit_with_role("screening")
    assert screening is not None
    states = {s.visit_id: s for s in visit_timeline(study, [], "2026-11-10T01:00:00+00:00", date(2026, 11, 20))}
    assert states[screening.id].status != "done"
