"""Home entries reach the clinic (issue 24, points 3, 4 and 6) over real HTTP and real SQLCipher: a participant's
phone syncs daily home dosing entries with its own credential; the site's kiosk then syncs, and its dosing recall
leaves those dates out, its nurse overview lists the missed diary days, and the CSV export says ``home`` for the
phone's records (from the device kind the server stored, whatever the envelope says) and ``clinic`` for the
kiosk's."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from desktop_client.services import dosing, overview
from desktop_client.services.recording import build_instrument_record
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncEngine
from desktop_client.store import records as store_records
from desktop_client.store import station as station_settings
from server.exports.csv_export import export_csv
from server.exports.registry import run_export
from server.services import home_app
from server.services.casebook import export_casebooks
from server.storage import devices as device_store
from shared.crypto import new_token, token_digest
from shared.home_entries import home_dosing_id
from shared.instruments.model import ResponseType
from shared.records import new_record, record_hash, timestamps
from shared.sync.protocol import build_request
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer


def at_week(station: Station, pid: str, week: int) -> None:
    """The participant's baseline visit took place ``week`` weeks ago (its patient global VAS saved then)."""
    inst = station.study.instrument_with_role("patient_global")
    assert inst is not None
    rec = build_instrument_record(station, participant_id=pid, visit_id="baseline", instrument_id=inst.id,
                                  answers={inst.items[0].id: 40}, entered_by="participant")
    rec["collected_at"], rec["collected_at_local"] = timestamps(
        station.site_timezone, at=datetime.now(UTC) - timedelta(weeks=week))
    store_records.save_record(station.store, rec, actor="participant")


@dataclass
class Phone:
    device_id: str
    token: str
    participant_id: str


def add_phone(server: ThreadServer, participant_id: str, activated: datetime) -> Phone:
    """A participant's app device, stored the way activation stores one (the storage layer's own function)."""
    token = new_token()
    phone = Phone(f"app-{participant_id}", token, participant_id)
    with server.ctx.engine.begin() as conn:
        device_store.add_device(conn, device_id=phone.device_id, site_id=server.ctx.study.sites[0].id,
                                label="phone", token_digest=token_digest(token),
                                enrolled_at=activated.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                                participant_id=participant_id)
    return phone


def home_entry(server: ThreadServer, phone: Phone, day: date, arm: str, **extra: Any) -> dict[str, Any]:
    study = server.ctx.study
    site = study.sites[0]
    inst = study.instrument_with_role("home_dosing")
    assert inst is not None
    rec = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                     site_id=site.id, participant_id=phone.participant_id, entered_by="participant",
                     device_id=phone.device_id, instrument_id=inst.id, instrument_version=inst.version,
                     language="zh", timezone=site.timezone,
                     data={"diary_date": day.isoformat(),
                           "doses": {t.drug: {"taken": True, "time_taken": "08:30"}
                                     for t in study.arm(arm).treatments}})
    rec.update(extra)
    at = min(datetime.combine(day, time(12, 0), tzinfo=UTC), datetime.now(UTC))
    rec["collected_at"], rec["collected_at_local"] = timestamps(site.timezone, at)
    return rec


def phone_sync(server: ThreadServer, phone: Phone, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = build_request(study_version=server.ctx.study.study.version, corrections_cursor=0, items=[])
    body["records"] = [{"record": r, "content_hash": record_hash(r)} for r in recs]
    resp = httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body), timeout=30,
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {phone.token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()["results"]


@pytest.fixture
def kiosk(tmp_path: Path, server: ThreadServer) -> Iterator[tuple[Station, SyncEngine, str]]:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    at_week(station, pid, 2)          # the baseline visit two weeks ago: the next recall covers 15 days
    assert engine.sync().remaining == 0
    yield station, engine, pid
    engine.close()
    station.store.close()


def test_home_entries_reach_the_kiosk_recall_the_nurse_and_the_csv_with_their_source(
        kiosk: tuple[Station, SyncEngine, str], server: ThreadServer, tmp_path: Path) -> None:
    station, engine, pid = kiosk
    today = overview.site_today(station)
    arm = station.participant_arm(pid)
    assert arm
    phone = add_phone(server, pid, datetime.now(UTC) - timedelta(days=6))
    days = [today - timedelta(days=n) for n in (5, 4, 2)]
    recs = [home_entry(server, phone, d, arm) for d in days]
    assert {r["status"] for r in phone_sync(server, phone, recs)} == {"stored"}
    before = dosing.diary_dates_for(station, pid)
    assert set(days) <= set(before)          # the kiosk does not know yet: it would ask about every day
    engine.sync()
    asked, at_home = dosing.recall_split(station, pid)
    assert not set(asked) & set(days)
    assert set(at_home) == set(days) and len(asked) == len(before) - 3
    # the home entries are not kiosk visits: the overview's visits and "last visit" stay as they were
    diary = next(p for p in overview.station_overview(station).participants if p.participant_id == pid).home_diary
    assert diary is not None and diary.recorded == 3
    start = diary.started
    expected = [start + timedelta(days=n) for n in range((today - start).days) if start + timedelta(days=n) not in days]
    assert list(diary.missed) == expected and today - timedelta(days=1) in diary.missed
    with server.ctx.engine.connect() as conn:
        export_csv(conn, server.ctx.study, tmp_path / "csv")
    home_id = home_dosing_id(server.ctx.study)
    rows = list(csv.DictReader(open(tmp_path / "csv" / f"{home_id}.csv", encoding="utf-8")))
    assert sorted(r["diary_date"] for r in rows) == sorted(d.isoformat() for d in days)
    assert {r["source"] for r in rows} == {"home"}
    kiosk_rows = list(csv.DictReader(open(tmp_path / "csv" / "screening.csv", encoding="utf-8")))
    assert kiosk_rows and {r["source"] for r in kiosk_rows} == {"clinic"}
    doses = [r for r in csv.DictReader(open(tmp_path / "csv" / "dosing.csv", encoding="utf-8"))
             if r["participant_id"] == pid]
    assert doses and {r["source"] for r in doses} == {"home"}
    study = server.ctx.study
    for fmt in ("sdtm", "fhir", "report"):
        run_export(server.ctx.engine, study, fmt, tmp_path / fmt, actor="staff:test")
    ex = {r["EXSEQ"]: r for r in csv.DictReader(open(tmp_path / "sdtm" / "ex.csv", encoding="utf-8"))}
    supp = [r for r in csv.DictReader(open(tmp_path / "sdtm" / "suppex.csv", encoding="utf-8"))
            if r["QNAM"] == "COLSRC"]
    assert supp and {r["QVAL"] for r in supp} == {"HOME"} and {r["IDVAR"] for r in supp} == {"EXSEQ"}
    assert {ex[r["IDVARVAL"]]["EXSTDTC"] for r in supp} <= {d.isoformat() for d in days}
    bundles = [json.loads(line) for line in open(tmp_path / "fhir" / "participants.ndjson", encoding="utf-8")]
    responses = [e["resource"] for b in bundles for e in b["entry"]
                 if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    tagged = {r["id"]: r["meta"]["tag"][0]["code"] for r in responses}
    assert {tagged[r["record_id"]] for r in recs} == {"home"} and "clinic" in tagged.values()
    assert all(r["source"]["reference"].startswith("Patient/") for r in responses if r["id"] in
               {x["record_id"] for x in recs})
    export_casebooks(server.ctx.engine, study, tmp_path / "casebook", participant_id=pid, actor="staff:test")
    pages = PdfReader(tmp_path / "casebook" / f"{pid}.pdf").pages     # the CJK font's text comes as UTF-16
    book = " ".join(" ".join(page.extract_text() for page in pages).replace("\x00", "").split())
    assert "on the participant's phone" in book and "at the clinic" in book       # each record's source
    home_rows = list(csv.DictReader(open(tmp_path / "report" / "tables" / "home_compliance.csv", encoding="utf-8")))
    mine = next(r for r in home_rows if r["arm"] == arm)
    assert (mine["participants"], mine["days_recorded"]) == ("1", "3")
    treatments = study.arm(arm).treatments
    assert int(mine["doses_taken"]) == 3 * len(treatments)              # every drug ticked on each of the 3 days
    # the 3 days lie in one week of the span (days -5..-2: 4 days): due on each, at most what the schedule
    # allows in 4 days (shared.home_compliance): a twice-weekly drug ticked 3 times is over schedule, flagged
    allowed = {t.drug: math.ceil(min(t.doses_per_week, 7) * 4 / 7) for t in treatments}
    assert float(mine["doses_expected"]) == sum(min(3, allowed[t.drug]) for t in treatments)
    assert mine["participants_over_schedule"] == ("1" if any(a < 3 for a in allowed.values()) else "0")


def test_the_source_is_never_taken_from_the_envelope(
        kiosk: tuple[Station, SyncEngine, str], server: ThreadServer, tmp_path: Path) -> None:
    station, _engine, pid = kiosk
    token = station_settings.get(station.store, station_settings.DEVICE_TOKEN)
    assert token
    kiosk_device = Phone(str(station.device_id), token, pid)        # the kiosk's own credential and device id
    inst = station.study.instrument_with_role("patient_global")
    assert inst is not None
    claim = build_instrument_record(station, participant_id=pid, visit_id="week2", instrument_id=inst.id,
                                    answers={inst.items[0].id: 30}, entered_by="participant")
    claim["source"] = "home"                                        # a kiosk claiming its record was made at home
    [result] = phone_sync(server, kiosk_device, [claim])
    assert result["status"] == "rejected" and "source" in json.dumps(result)   # an unknown envelope field
    with server.ctx.engine.connect() as conn:
        export_csv(conn, server.ctx.study, tmp_path / "csv")
    rows = list(csv.DictReader(open(tmp_path / "csv" / "screening.csv", encoding="utf-8")))
    assert rows and {r["source"] for r in rows} == {"clinic"}
    described = [r for r in csv.DictReader(open(tmp_path / "csv" / "data_dictionary.csv", encoding="utf-8"))
                 if r["variable"] == "source"]
    assert described and all("home" in r["allowed_values"] and "clinic" in r["allowed_values"] for r in described)


def test_end_to_end_a_phone_activated_through_the_api_records_today_and_the_kiosk_skips_it(
        kiosk: tuple[Station, SyncEngine, str], server: ThreadServer, tmp_path: Path) -> None:
    station, engine, pid = kiosk
    with server.ctx.engine.begin() as conn:        # what "Home diary: activate" on the participant page does
        code = home_app.create_code(conn, server.ctx.study, participant_id=pid, actor="staff:nurse.a").code
    resp = httpx.post(f"{server.url}/api/v1/app/activate", json={"code": code, "label": "phone"}, timeout=30)
    assert resp.status_code == 201, resp.text
    got = resp.json()
    assert got["participant_id"] == pid
    phone = Phone(got["device_id"], got["token"], pid)
    today = overview.site_today(station)
    assert today in dosing.diary_dates_for(station, pid)
    [result] = phone_sync(server, phone, [home_entry(server, phone, today, station.participant_arm(pid) or "")])
    assert result["status"] == "stored", result
    engine.sync()
    asked, at_home = dosing.recall_split(station, pid)
    assert today in at_home and today not in asked
    with server.ctx.engine.connect() as conn:
        export_csv(conn, server.ctx.study, tmp_path / "csv")
    rows = list(csv.DictReader(open(tmp_path / "csv" / f"{home_dosing_id(server.ctx.study)}.csv", encoding="utf-8")))
    assert [(r["diary_date"], r["source"], r["device_id"]) for r in rows] == [(today.isoformat(), "home",
                                                                              phone.device_id)]


def test_a_clinic_recall_line_of_dosing_csv_counts_only_dates_without_a_home_entry(
        kiosk: tuple[Station, SyncEngine, str], server: ThreadServer, tmp_path: Path) -> None:
    """Issue 24 review gap 3: the phone syncs an entry for a date AFTER the kiosk's recall already asked about it
    (every drug ticked every day); the home entry wins, so the recall's dosing.csv line leaves that date out,
    like SDTM EX, and says so in the added last columns days_counted / days_from_home."""
    station, engine, pid = kiosk
    study = server.ctx.study
    arm = station.participant_arm(pid)
    diary = study.instrument_with_role("dosing")
    assert arm and diary is not None
    item = next(it.id for it in station.study.instrument(diary.id).items if it.response is ResponseType.DOSE_CALENDAR)
    drugs = [t.drug for t in study.arm(arm).treatments]
    dates = dosing.diary_dates_for(station, pid)
    visit = next(v.id for v in study.visits if diary.id in v.instruments and v.day > 0)
    recall = build_instrument_record(station, participant_id=pid, visit_id=visit, instrument_id=diary.id,
                                     entered_by="participant", answers={item: {d.isoformat(): drugs for d in dates}})
    store_records.save_record(station.store, recall, actor="participant")
    assert engine.sync().remaining == 0
    phone = add_phone(server, pid, datetime.now(UTC) - timedelta(days=6))
    day = dates[-3]
    late = home_entry(server, phone, day, arm)
    late["data"]["doses"] = {d: {"taken": False, "missed_reason": "forgot"} for d in drugs}
    assert [r["status"] for r in phone_sync(server, phone, [late])] == ["stored"]
    with server.ctx.engine.connect() as conn:
        export_csv(conn, study, tmp_path / "csv")
    with open(tmp_path / "csv" / "dosing.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header[-2:] == ["days_counted", "days_from_home"]            # added at the end, the rest as it was
    assert header[:-2] == ["record_id", "participant_id", "visit_id", "instrument_version", "drug", "treatment",
                           "dose", "unit", "route", "frequency", "period_start", "period_end", "days", "dates_taken",
                           "doses_reported", "doses_expected", "compliance_pct", "any_missed", "missed_reason",
                           "collected_at", "source"]
    lines = [r for r in csv.DictReader(open(tmp_path / "csv" / "dosing.csv", encoding="utf-8"))
             if r["record_id"] == recall["record_id"]]
    assert len(lines) == len(drugs)
    for line in lines:
        assert (line["days"], line["days_counted"], line["days_from_home"]) == (
            str(len(dates)), str(len(dates) - 1), "1")
        assert day.isoformat() not in line["dates_taken"].split(";")
        assert line["doses_reported"] == str(len(dates) - 1)
    home_lines = [r for r in csv.DictReader(open(tmp_path / "csv" / "dosing.csv", encoding="utf-8"))
                  if r["record_id"] == late["record_id"]]
    assert {(r["days_counted"], r["days_from_home"], r["doses_reported"]) for r in home_lines} == {("1", "0", "0")}
