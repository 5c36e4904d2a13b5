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


def test_an_export_reviewer_reads_the_first_dose_of_participants_with_an_ae_only(demo_server: ThreadServer) -> None:
    """An export's AE reviewer (no participant list given) reads a participant's first dose when it first reviews
    one of their AEs, never the dosing diaries of the whole study up front (issue 25), with the same answer."""
    import json

    from sqlalchemy import select

    from server.services.ae_review import AeReviewer
    from server.storage.tables import records

    study = demo_server.ctx.study
    with reading(demo_server.ctx.engine) as conn:
        every = first_dose_dates(conn, study)
        aes = [json.loads(b) for b in conn.execute(select(records.c.body)
                                                   .where(records.c.kind == "adverse_event")).scalars()]
        reviewer = AeReviewer(conn, study)
        assert reviewer.first_doses == {}
        ae = next(a for a in aes if every.get(a["participant_id"]) is not None)
        review = reviewer.review(ae, None)
        assert set(reviewer.first_doses) == {ae["participant_id"]}
        assert review.first_dose == every[ae["participant_id"]]
        for other in aes:
            assert reviewer.review(other, None).first_dose == every.get(other["participant_id"])
