"""The course of the study through the real server over HTTP (SQLite and PostgreSQL): one submission per
participant × visit × instrument across kiosks (the server is the authority), dispositions reaching the
server and the other kiosks, and the server's visit status and deviation list."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from desktop_client.services import course, recording
from desktop_client.services.overview import site_today
from desktop_client.store import outbox
from server.services import course as server_course
from server.services import dashboard
from server.storage.tables import participants, records
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer

NURSE = "staff:nurse.a"


def _vas(station, pid: str, visit: str, mm: int) -> dict:
    return recording.record_vas(station, participant_id=pid, visit_id=visit, vas_mm=mm)


def test_a_second_kiosks_submission_of_the_same_visit_is_refused_naming_the_first(tmp_path: Path,
                                                                                  server: ThreadServer) -> None:
    a, engine_a = enrolled_station(tmp_path / "a", server, label="room 1")
    b, engine_b = enrolled_station(tmp_path / "b", server, label="room 2")
    pid = enrol_participant(a)
    first = _vas(a, pid, "baseline", 30)
    engine_a.sync()
    engine_b.sync()                                  # room 2 learns the participant, not room 1's records
    second = _vas(b, pid, "baseline", 70)            # room 2 cannot know: its own check passes
    extra = [_vas(b, pid, "unscheduled", mm) for mm in (10, 20)]
    report = engine_b.sync()
    (refused,) = report.rejected
    assert refused["record_id"] == second["record_id"] and refused["code"] == "record.already_submitted"
    assert refused["existing_record_id"] == first["record_id"]
    assert refused["problems"][0]["params"] == {"existing_record_id": first["record_id"]}
    assert first["record_id"] in refused["reason"]
    held = outbox.held_rows(b.store)
    assert [(h["record_id"], h["state"]) for h in held] == [(second["record_id"], "rejected")]
    with server.ctx.engine.connect() as conn:
        stored = {r.record_id for r in conn.execute(select(records.c.record_id).where(
            records.c.participant_id == pid, records.c.kind == "instrument_response"))}
    scored = {r["record_id"] for r in a.store.query(   # the eligibility-visit score (issue 15)
        "SELECT record_id FROM records WHERE kind = 'instrument_response' AND instrument_id != 'patient_global_vas'")}
    assert stored - scored == {first["record_id"], *(e["record_id"] for e in extra)}   # unscheduled: any number
    with server.ctx.engine.connect() as conn:            # and never plotted as a timepoint
        plotted = dashboard.participant_detail(conn, server.ctx.study, pid, ["PKU"], site_today(a))["vas"]
    assert [p["visit_id"] for p in plotted] == ["baseline"]
    # a correction of the first record (a new revision) is what the kiosk that holds it sends instead
    recording.correct_record(a, first["record_id"], data={"activity": 70}, reason="Wrong mark on the line",
                             actor=NURSE)
    assert engine_a.sync().rejected == []
    for engine in (engine_a, engine_b):
        engine.close()


def test_a_disposition_ends_the_schedule_on_the_server_and_reaches_other_kiosks(tmp_path: Path,
                                                                                server: ThreadServer) -> None:
    a, engine_a = enrolled_station(tmp_path / "a", server, label="room 1")
    b, engine_b = enrolled_station(tmp_path / "b", server, label="room 2")
    pid = enrol_participant(a)
    _vas(a, pid, "baseline", 30)
    today = site_today(a)
    engine_a.sync()
    later = today + timedelta(days=60)
    with server.ctx.engine.connect() as conn:
        before = dashboard.visit_summary(conn, server.ctx.study, ["PKU"], later)
    assert sum(v["overdue"] for v in before) > 0
    course.record_disposition(a, pid, course.disposition_data("discontinued", today, "lost_to_follow_up"),
                              actor=NURSE)
    assert engine_a.sync().rejected == []
    with server.ctx.engine.connect() as conn:
        after = dashboard.visit_summary(conn, server.ctx.study, ["PKU"], later)
        status = conn.execute(select(participants.c.status).where(participants.c.participant_id == pid)).scalar()
        counts = server_course.disposition_counts(conn, ["PKU"])
        found = server_course.deviations(conn, server.ctx.study, ["PKU"], later)
    assert sum(v["overdue"] + v["due"] for v in after) == 0 and status == "discontinued"
    assert counts.discontinued["lost_to_follow_up"] == 1 and counts.on_study == 0
    assert found == []                               # nothing was expected after the disposition
    engine_b.sync()
    assert [p["status"] for p in b.participants()] == ["discontinued"]
    for engine in (engine_a, engine_b):
        engine.close()


def test_missed_and_staff_recorded_deviations_are_listed_by_the_server(tmp_path: Path,
                                                                       server: ThreadServer) -> None:
    a, engine_a = enrolled_station(tmp_path / "a", server)
    pid = enrol_participant(a)
    today = site_today(a)
    _vas(a, pid, "baseline", 30)
    _vas(a, pid, "week2", 30)                        # today: before its window opens
    course.record_visit_missed(a, pid, "week4", "In hospital elsewhere", actor=NURSE)
    course.record_deviation(a, pid, category="informed_consent", description="Consent form version 1 used",
                            day=today, severity="major", actor=NURSE)
    assert engine_a.sync().rejected == []
    with server.ctx.engine.connect() as conn:
        found = server_course.deviations(conn, server.ctx.study, ["PKU"], today)
        majors = server_course.deviations(conn, server.ctx.study, ["PKU"], today, severity="major")
        timeline = dashboard.participant_detail(conn, server.ctx.study, pid, ["PKU"], today)["timeline"]
    assert {(d.source, d.rule, d.visit_id) for d in found} == {
        ("rule", "out_of_window", "week2"), ("rule", "missed", "week4"), ("staff", None, None)}
    assert {d.decod for d in majors} == {"MISSED VISIT", "INFORMED CONSENT DEVIATION"}
    assert {v.visit_id: v.status for v in timeline}["week4"] == "missed"
    assert [v.visit_id for v in timeline if v.out_of_window] == ["week2"]
    engine_a.close()
