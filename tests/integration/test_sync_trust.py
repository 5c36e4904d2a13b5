"""A kiosk is not trusted: identity, revision order, who entered a record, its times and its shape are the
server's to check (issue 13). Real server over HTTP, SQLite and PostgreSQL; every refusal stores nothing."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from desktop_client.services.station import Station
from desktop_client.store import station as station_settings
from server.storage.tables import audit_log, participants, records
from shared.eligibility import possible_ages
from shared.records import corrected, new_record, record_hash, timestamps
from shared.sync.protocol import MAX_REVISION, build_request
from shared.synthetic import synthetic_adverse_event
from tests.factories import enrol_participant, enrolled_station, server_staff
from tests.live_server import ThreadServer

SITE_ZONE = "Asia/Shanghai"  # the site's time zone in the study file


@dataclass
class Kiosk:
    station: Station
    engine: Any
    participant_id: str

    @property
    def token(self) -> str:
        return str(station_settings.get(self.station.store, station_settings.DEVICE_TOKEN))

    @property
    def device_id(self) -> str:
        return self.station.device_id


@pytest.fixture
def kiosks(tmp_path: Path, server: ThreadServer) -> Iterator[tuple[Kiosk, Kiosk]]:
    """Two kiosks of the same site, each with one enrolled participant, both synced."""
    made = []
    for name in ("a", "b"):
        station, engine = enrolled_station(tmp_path / name, server, label=f"kiosk {name}")
        pid = enrol_participant(station)
        engine.sync()
        made.append(Kiosk(station, engine, pid))
    yield made[0], made[1]
    for k in made:
        k.engine.close()
        k.station.store.close()


def post(server: ThreadServer, kiosk: Kiosk, *recs: dict[str, Any]) -> list[dict[str, Any]]:
    body = build_request(study_version="1.0.0", corrections_cursor=0, items=[])
    body["records"] = [{"record": r, "content_hash": record_hash(r) if isinstance(r, dict) else "sha256:x"}
                       for r in recs]
    resp = httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body), timeout=30,
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {kiosk.token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()["results"]


def adverse_event(server: ThreadServer, kiosk: Kiosk, *, entered_by: str = "staff:nurse.a",
                  **data: Any) -> dict[str, Any]:
    arm = kiosk.station.participant_arm(kiosk.participant_id)    # causality is asked for the arm's drugs only
    drugs = server.ctx.study.arm(arm).drugs if arm else None
    ae = {**synthetic_adverse_event(server.ctx.study, rng=random.Random(7), onset=date(2026, 11, 5), drugs=drugs),
          **data}
    return new_record(kind="adverse_event", study_id="NCT05605665", study_version="1.0.0", site_id="PKU",
                      participant_id=kiosk.participant_id, data=ae, entered_by=entered_by,
                      device_id=kiosk.device_id, timezone=SITE_ZONE)


def vas(kiosk: Kiosk, mm: int = 40, **envelope: Any) -> dict[str, Any]:
    rec = new_record(kind="instrument_response", study_id="NCT05605665", study_version="1.0.0", site_id="PKU",
                     participant_id=kiosk.participant_id, data={"activity": mm}, entered_by="participant",
                     device_id=kiosk.device_id, visit_id="baseline", instrument_id="patient_global_vas",
                     instrument_version="1.0", language="en", timezone=SITE_ZONE)
    rec.update(envelope)
    return rec


def count(server: ThreadServer, table: Any) -> int:
    with server.ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def rejected(result: dict[str, Any], code: str, field: str) -> dict[str, Any]:
    assert result["status"] == "rejected", result
    assert result["code"] == code and result["rule"], result
    problem = next(p for p in result["problems"] if p["field"] == field)
    assert problem["allowed"] and "value" in problem and problem["message"], problem
    return problem


# --- 1. identity fixed at revision 1, revisions in order, from the record's site ------------------------

def test_another_kiosk_cannot_move_a_record_to_another_participant(kiosks: tuple[Kiosk, Kiosk],
                                                                   server: ThreadServer) -> None:
    a, b = kiosks
    ae = adverse_event(server, a)
    assert post(server, a, ae)[0]["status"] == "stored"
    stored = count(server, records)
    # a body valid for b (causality is asked per drug of b's arm), so only the identity can be refused
    moved = corrected(ae, data=adverse_event(server, b)["data"], reason="moved", entered_by="staff:nurse.a")
    moved.update(participant_id=b.participant_id, device_id=b.device_id)
    problem = rejected(post(server, b, moved)[0], "record.identity_changed", "participant_id")
    assert problem["value"] == b.participant_id and a.participant_id in problem["allowed"]
    assert count(server, records) == stored
    with server.ctx.engine.connect() as conn:
        owners = {r.participant_id for r in conn.execute(select(records.c.participant_id)
                                                         .where(records.c.record_id == ae["record_id"]))}
    assert owners == {a.participant_id}


@pytest.mark.parametrize(("field", "value"), [("visit_id", "week4"), ("instrument_id", "esspri")])
def test_a_later_revision_keeps_visit_and_instrument(kiosks: tuple[Kiosk, Kiosk], server: ThreadServer,
                                                     field: str, value: str) -> None:
    a, _b = kiosks
    first = vas(a)
    assert post(server, a, first)[0]["status"] == "stored"
    later = corrected(first, data={"activity": 41}, reason="typo", entered_by="staff:nurse.a")
    later[field] = value
    if field == "instrument_id":
        later["data"] = {"dryness": 1, "fatigue": 2, "pain": 3}
    rejected(post(server, a, later)[0], "record.identity_changed", field)


def test_a_revision_is_exactly_the_newest_plus_one(kiosks: tuple[Kiosk, Kiosk], server: ThreadServer) -> None:
    a, b = kiosks
    first = vas(a)
    assert post(server, a, first)[0]["status"] == "stored"
    stored = count(server, records)
    jump = corrected(first, data={"activity": 50}, reason="typo", entered_by="staff:nurse.a")
    jump["revision"] = MAX_REVISION
    problem = rejected(post(server, a, jump)[0], "record.revision_not_next", "revision")
    assert problem["value"] == MAX_REVISION and problem["allowed"].startswith("2 ")
    fresh = vas(a)
    fresh.update(revision=3, correction_reason="starts late")
    rejected(post(server, a, fresh)[0], "record.revision_not_next", "revision")
    assert count(server, records) == stored
    nxt = corrected(first, data={"activity": 50}, reason="typo", entered_by="staff:nurse.a")
    nxt["device_id"] = b.device_id  # another kiosk of the record's own site may correct it
    assert post(server, b, nxt)[0]["status"] == "stored"
    third = corrected(nxt, data={"activity": 51}, reason="typo again", entered_by="staff:nurse.a")
    third["device_id"] = a.device_id
    assert [r["status"] for r in post(server, a, third, third)] == ["stored", "already_stored"]


# --- 2. entered_by is the participant or an active staff account of the site with a role that enters it -----

@pytest.mark.parametrize(("who", "why"), [
    ("user:demo.admin", "is neither the participant nor a staff account"),
    ("staff:nobody", "there is no staff account"),
    ("staff:nurse.off", "is disabled"),
    ("staff:nurse.sha", "does not work at site PKU"),
    ("staff:monitor.pku", "may not enter"),
    ("participant", "a participant does not enter adverse event records"),
])
def test_entered_by_must_name_someone_who_may_enter_the_record(kiosks: tuple[Kiosk, Kiosk],
                                                               server: ThreadServer, who: str, why: str) -> None:
    a, _b = kiosks
    server_staff(server, "nurse.off", disabled=True)
    server_staff(server, "nurse.sha", sites=("SHA",))
    server_staff(server, "monitor.pku", roles=("monitor",))
    before = count(server, records), count(server, audit_log)
    problem = rejected(post(server, a, adverse_event(server, a, entered_by=who))[0],
                       "record.entered_by_refused", "entered_by")
    assert problem["value"] == who and why in problem["message"]
    assert count(server, records) == before[0]


def test_a_participant_cannot_enter_a_clinician_rated_instrument(kiosks: tuple[Kiosk, Kiosk],
                                                                 server: ThreadServer) -> None:
    a, _b = kiosks
    rec = vas(a, instrument_id="physician_global_vas", data={"activity": 4.5})
    rejected(post(server, a, rec)[0], "record.entered_by_refused", "entered_by")


def test_device_and_staff_are_stored_apart_and_the_audit_names_both(kiosks: tuple[Kiosk, Kiosk],
                                                                    server: ThreadServer) -> None:
    a, _b = kiosks
    ae = adverse_event(server, a)
    assert post(server, a, ae)[0]["status"] == "stored"
    with server.ctx.engine.connect() as conn:
        row = conn.execute(select(records.c.device_id, records.c.staff_id)
                           .where(records.c.record_id == ae["record_id"])).one()
        actor = conn.execute(select(audit_log.c.actor).where(
            audit_log.c.entity_id == f"{ae['record_id']}#1")).scalar_one()
    assert (row.device_id, row.staff_id) == (a.device_id, "nurse.a")
    assert actor == f"staff:nurse.a via device:{a.device_id}"


# --- 3. plausible times --------------------------------------------------------------------------------------

def _at(moment: datetime, zone: str = SITE_ZONE) -> dict[str, str]:
    utc, local = timestamps(zone, moment)
    return {"collected_at": utc, "collected_at_local": local}


@pytest.mark.parametrize(("envelope", "field", "allowed_part"), [
    (_at(datetime(2099, 3, 1, 8, tzinfo=UTC)), "collected_at", "minutes of clock skew"),
    ({**_at(datetime.now(UTC) - timedelta(hours=1)),
      "collected_at_local": (datetime.now(UTC) - timedelta(hours=1) - timedelta(days=6 * 365)).astimezone(
          timezone(timedelta(hours=8))).isoformat(timespec="milliseconds")}, "collected_at_local", "Asia/Shanghai"),
    (_at(datetime.now(UTC) - timedelta(hours=1), "UTC"), "collected_at_local", "+08:00"),
    (_at(datetime(2026, 10, 1, 8, tzinfo=UTC)), "collected_at", "consent"),
    (_at(datetime(2021, 10, 1, 8, tzinfo=UTC)), "collected_at", "2026-11-01"),
])
def test_implausible_times_are_refused_naming_field_value_and_what_is_allowed(
        kiosks: tuple[Kiosk, Kiosk], server: ThreadServer, envelope: dict[str, str], field: str,
        allowed_part: str) -> None:
    a, _b = kiosks
    rec = vas(a, **envelope)
    before = count(server, records)
    problem = rejected(post(server, a, rec)[0], "record.time_implausible", field)
    assert problem["value"] == rec[field] and allowed_part in problem["allowed"]
    assert count(server, records) == before


@pytest.mark.parametrize(("data", "field"), [
    ({"onset_date": "9999-12-31", "end_date": None, "outcome": "not_recovered"}, "data.onset_date"),
    ({"onset_date": "2099-01-01", "end_date": None, "outcome": "not_recovered"}, "data.onset_date"),
    ({"onset_date": "2026-10-01"}, "data.onset_date"),                 # before consent (2026-11-01)
    ({"onset_date": "2026-11-05", "end_date": "2099-01-01"}, "data.end_date"),
])
def test_adverse_event_dates_are_plausible(kiosks: tuple[Kiosk, Kiosk], server: ThreadServer,
                                           data: dict[str, Any], field: str) -> None:
    a, _b = kiosks
    problem = rejected(post(server, a, adverse_event(server, a, **data))[0], "record.time_implausible", field)
    assert problem["value"] == data[field.removeprefix("data.")]


def test_an_enrolment_whose_consent_predates_the_study_is_refused(kiosks: tuple[Kiosk, Kiosk],
                                                                              server: ThreadServer) -> None:
    a, _b = kiosks
    with server.ctx.engine.connect() as conn:
        enrolment = json.loads(conn.execute(select(records.c.body).where(
            records.c.participant_id == a.participant_id, records.c.kind == "screening")).scalar_one())
    data = enrolment["data"]   # the screening (issue 15): its age at consent follows the consent date
    age = possible_ages(data["birth_year_month"], date(2021, 6, 1))[1]
    later = corrected(enrolment, data={**data, "consent_date": "2021-06-01", "age_at_consent": age}, reason="typo",
                      entered_by="staff:nurse.a")
    problem = rejected(post(server, a, later)[0], "record.time_implausible", "data.consent_date")
    assert problem["value"] == "2021-06-01" and "2022-11-01 (study start)" in problem["allowed"]
    with server.ctx.engine.connect() as conn:
        assert conn.execute(select(participants.c.consent_date).where(
            participants.c.participant_id == a.participant_id)).scalar_one() == "2026-11-01"


# --- 4. a record that cannot be processed is refused alone ---------------------------------------------------

def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize("bad", [
    "deep", "wide", "long text", "a list", "a number",
])
def test_a_record_that_cannot_be_processed_is_refused_alone(kiosks: tuple[Kiosk, Kiosk], server: ThreadServer,
                                                            bad: str) -> None:
    a, _b = kiosks
    good = vas(a)
    broken: Any = {"deep": lambda: vas(a, data={"activity": _nested(900)}),
                   "wide": lambda: vas(a, data={f"k{i}": i for i in range(20_000)}),
                   "long text": lambda: vas(a, correction_reason="x" * 200_000),
                   "a list": lambda: [vas(a)],
                   "a number": lambda: 7}[bad]()
    results = post(server, a, broken, good)
    assert results[0]["status"] == "rejected" and results[0]["code"] in ("record.unprocessable", "record.invalid")
    if bad in ("deep", "wide", "long text", "a list"):
        assert results[0]["code"] == "record.unprocessable"
    assert results[1] == {"record_id": good["record_id"], "revision": 1, "status": "stored"}


def test_every_rejection_code_is_documented_in_the_protocol_and_the_openapi(server: ThreadServer) -> None:
    import shared.errors as errors

    codes = {c.code for c in vars(errors).values()
             if isinstance(c, type) and issubclass(c, errors.RecordInvalid)}
    assert len(codes) >= 11
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sync-protocol.md").read_text(encoding="utf-8")
    openapi = httpx.get(f"{server.url}/api/v1/openapi.json", timeout=10).json()
    schema = json.dumps(openapi)
    for code in codes:
        assert f"`{code}`" in doc, code
        assert code in schema, code



@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "utf8"])
def test_a_character_xml_cannot_carry_refuses_that_record_alone(kiosks: tuple[Kiosk, Kiosk], server: ThreadServer,
                                                                 ensure_ascii: bool) -> None:
    """A bell in an AE term (and U+FFFF in another's key) is refused for that record, naming the field, the
    escaped value and the rule; the rest of the batch is stored (the ODM export could not carry it)."""
    a, _ = kiosks
    good, bell, odd_key = (adverse_event(server, a) for _ in range(3))
    bell["data"]["term"] = "rash \x07 on the arm"
    odd_key["data"]["note\uffff"] = "x"
    body = build_request(study_version="1.0.0", corrections_cursor=0,
                         items=[(r, record_hash(r)) for r in (good, bell, odd_key)])
    resp = httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body, ensure_ascii=ensure_ascii).encode(),
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {a.token}"}, timeout=30)
    assert resp.status_code == 200, resp.text
    stored, refused, refused_key = resp.json()["results"]
    assert stored["status"] == "stored"
    assert refused["status"] == "rejected" and refused["code"] == "record.character_not_xml"
    assert "XML 1.0" in refused["rule"] and "tab, line feed and carriage return" in refused["rule"]
    (problem,) = refused["problems"]
    assert problem["field"] == "data.term" and problem["value"] == "rash \\u0007 on the arm"
    assert problem["code"] == "value.character_not_xml" and problem["params"] == {"character": "U+0007"}
    assert "data.term: holds U+0007" in refused["reason"]
    assert refused_key["code"] == "record.character_not_xml"
    assert refused_key["problems"][0]["params"] == {"character": "U+FFFF"}
    with server.ctx.engine.connect() as conn:
        kept = set(conn.execute(select(records.c.record_id)).scalars())
    assert good["record_id"] in kept and not {bell["record_id"], odd_key["record_id"]} & kept
