"""The server's first-dose dates (server/services/exposure.py) from records a real kiosk synced, on SQLite and
PostgreSQL: the baseline date until a diary says otherwise, None when the diaries report no dose."""

from __future__ import annotations

from pathlib import Path

from desktop_client.services import dosing, recording
from desktop_client.services.station import Station
from server.services.exposure import compliance_by_participant, first_dose_date_of, first_dose_dates
from server.storage.engine import reading
from shared.site_time import site_today
from tests.factories import enrol_participant, enrolled_station, record_eligibility_score, screen_participant
from tests.live_server import ThreadServer


def _baseline(station: Station, pid: str) -> None:
    study = station.study
    visit = study.visit_with_role("baseline")
    inst = study.instrument_with_role("patient_global")
    recording.record_instrument(station, participant_id=pid, visit_id=visit.id, instrument_id=inst.id,
                                answers={inst.items[0].id: 50}, entered_by="participant")


def test_first_dose_dates_come_from_the_baseline_then_the_diaries(tmp_path: Path, server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    study = server.ctx.study
    treated, untreated = (enrol_participant(station) for _ in range(2))
    waiting = screen_participant(station)     # screened, not randomised yet (issue 15)
    record_eligibility_score(station, waiting)  # scored at the eligibility visit (the baseline), still not randomised
    for pid in (treated, untreated):
        _baseline(station, pid)
    diary = study.instrument_with_role("dosing")
    later = study.scheduled_visits[2].id
    for pid, took in ((treated, True), (untreated, False)):
        drugs = sorted(study.arm(station.participant_arm(pid) or "").drugs)
        dates = dosing.diary_dates_for(station, pid)          # the baseline day (today) for the first diary
        answers = {"doses_taken": {d.isoformat(): drugs if took else [] for d in dates}}
        recording.record_instrument(station, participant_id=pid, visit_id=later, instrument_id=diary.id,
                                    answers=answers, entered_by="participant")
    report = engine.sync()
    assert not report.rejected and report.remaining == 0, report
    today = site_today(study, station.site_id)
    with reading(server.ctx.engine) as conn:
        every = first_dose_dates(conn, study)
        assert every == {treated: today, untreated: None}      # not randomised yet: absent
        assert first_dose_date_of(conn, study, treated) == today
        assert first_dose_date_of(conn, study, waiting) is None
        assert first_dose_dates(conn, study, site_id="NOPE") == {}
        rates = compliance_by_participant(conn, study)
        assert set(rates) == {treated, untreated} and rates[untreated].compliance_pct == 0.0
        assert rates[treated].days == 1 and all(d.taken == 1 for d in rates[treated].drugs)
    engine.close()
    station.store.close()
