"""Stored dosing diaries of the counted version 1.0 stay readable and exported after the study moved to the
dated 2.0, on SQLite and PostgreSQL over real HTTP: counts keep their CSV columns, a period with doses gives its
EX row, a period with 0 doses gives none (never the protocol dose), and a dated diary after it continues the
periods."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from desktop_client.services import dosing, recording
from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from server.exports.registry import run_export
from server.services.exposure import first_dose_dates
from server.storage.engine import reading
from shared.records import new_record, timestamps
from shared.site_time import site_today
from shared.validation import validate_record
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer


def _at(station: Station, day: Any) -> tuple[str, str]:
    """Early on ``day`` at the site, never later than now: 02:00 UTC of the site's today lay in the future
    once it was past midnight in Beijing (16:00 UTC), and the server refused it."""
    early = datetime.combine(day, time(0, 30), tzinfo=ZoneInfo(station.site_timezone)).astimezone(UTC)
    return timestamps(station.site_timezone, min(early, datetime.now(UTC)))


def _save(station: Station, rec: dict[str, Any], day: Any) -> dict[str, Any]:
    rec["collected_at"], rec["collected_at_local"] = _at(station, day)
    validate_record(rec, station.study, arm_code=station.participant_arm(rec["participant_id"]),
                    consent_date=station.participant_consent(rec["participant_id"]))
    store_records.save_record(station.store, rec, actor="participant")
    return rec


def _counted(station: Station, pid: str, visit_id: str, il2: int, rapa: int) -> dict[str, Any]:
    """A counted (1.0) diary as a kiosk of the earlier release saved it."""
    study = station.study
    return new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                      site_id=station.site_id, participant_id=pid, entered_by="participant",
                      device_id=station.device_id, visit_id=visit_id, instrument_id="dosing_diary",
                      instrument_version="1.0", timezone=station.site_timezone,
                      data={"il2_injections": il2, "rapamycin_days": rapa, "any_missed": rapa < 14,
                            **({"missed_reason": "forgot"} if rapa < 14 else {})})


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_counted_diaries_stay_exported_and_zero_doses_export_no_dose(tmp_path: Path, server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    study = station.study
    pids = {}
    while len(pids) < 2:
        pid = enrol_participant(station)
        if station.participant_arm(pid) == "IL2RAPA":
            pids[len(pids)] = pid
    took, none = pids[0], pids[1]
    today = site_today(study, station.site_id)
    d0 = today - timedelta(days=28)
    week2, week4 = study.scheduled_visits[2].id, study.scheduled_visits[3].id
    vas = study.instrument_with_role("patient_global")
    for pid in (took, none):
        base = recording.build_instrument_record(station, participant_id=pid, visit_id="baseline",
                                                 instrument_id=vas.id, answers={"activity": 50},
                                                 entered_by="participant")
        _save(station, base, d0)
    _save(station, _counted(station, took, week2, 4, 13), d0 + timedelta(days=14))
    _save(station, _counted(station, none, week2, 0, 0), d0 + timedelta(days=14))
    # the dated diary after it asks from the day after the counted one
    dates = dosing.diary_dates_for(station, took, today=d0 + timedelta(days=28))
    assert dates[0] == d0 + timedelta(days=15) and dates[-1] == d0 + timedelta(days=28)
    dated = recording.build_instrument_record(
        station, participant_id=took, visit_id=week4, instrument_id="dosing_diary", entered_by="participant",
        answers={"doses_taken": {d.isoformat(): ["rapamycin"] for d in dates}})
    _save(station, dated, d0 + timedelta(days=28))
    report = engine.sync()
    engine.close()
    assert not report.rejected and report.remaining == 0, report.rejected

    with reading(server.ctx.engine) as conn:
        assert first_dose_dates(conn, study, participant_ids=[took, none]) == {took: d0, none: None}
    out = tmp_path / "out"
    for fmt in ("csv", "sdtm"):
        run_export(server.ctx.engine, study, fmt, out / fmt, actor="staff:test")
    diary_file = {r["record_id"]: r for r in _rows(out / "csv" / "dosing_diary.csv")}
    old = [r for r in diary_file.values() if r["instrument_version"] == "1.0" and r["participant_id"] == took]
    assert [(r["il2_injections"], r["rapamycin_days"], r["doses_taken"]) for r in old] == [("4", "13", "")]
    assert diary_file[dated["record_id"]]["doses_taken"].startswith('{"' + dates[0].isoformat() + '":["rapamycin"]')
    dictionary = {(r["file"], r["variable"]): r for r in _rows(out / "csv" / "data_dictionary.csv")}
    assert dictionary[("dosing_diary.csv", "il2_injections")]["instrument_version"] == "1.0"
    assert dictionary[("dosing_diary.csv", "doses_taken")]["type"] == "dose_calendar"
    lines = {(r["participant_id"], r["instrument_version"], r["drug"]): r for r in _rows(out / "csv" / "dosing.csv")}
    first = lines[(took, "1.0", "il2")]
    assert (first["period_start"], first["period_end"], first["days"], first["doses_reported"],
            first["doses_expected"]) == (d0.isoformat(), (d0 + timedelta(days=14)).isoformat(), "15", "4", "4.3")
    assert lines[(none, "1.0", "rapamycin")]["doses_reported"] == "0"
    assert lines[(none, "1.0", "rapamycin")]["compliance_pct"] == "0.0"
    later = lines[(took, "2.0", "rapamycin")]
    assert (later["period_start"], later["days"], later["doses_reported"]) == (dates[0].isoformat(), "14", "14")

    def subject(pid: str) -> str:
        return f"{study.study.id}-{station.site_id}-{pid.split('-')[1]}"

    ex = _rows(out / "sdtm" / "ex.csv")
    assert not [r for r in ex if r["USUBJID"] == subject(none)]                  # 0 doses: no protocol dose
    mine = sorted((r["EXTRT"], r["EXSTDTC"], r["EXENDTC"], r["EXDOSE"]) for r in ex if r["USUBJID"] == subject(took))
    il2, rapa = (t.name.upper() for t in study.arm("IL2RAPA").treatments)
    end2 = (d0 + timedelta(days=14)).isoformat()
    assert mine == sorted([(il2, d0.isoformat(), end2, "1"), (rapa, d0.isoformat(), end2, "0.5"),
                           (rapa, dates[0].isoformat(), dates[-1].isoformat(), "0.5")])
    dm = {r["USUBJID"]: r for r in _rows(out / "sdtm" / "dm.csv")}
    assert dm[subject(took)]["RFXSTDTC"] == d0.isoformat() and dm[subject(none)]["RFXSTDTC"] == ""
    assert dm[subject(took)]["RFXENDTC"] == dates[-1].isoformat()
    station.store.close()
