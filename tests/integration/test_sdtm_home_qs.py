"""SUPPQS ``COLSRC`` for a home entry that reaches QS (issue 24). In NCT05605665 none does: the daily dosing diary
goes to EX (SUPPEX COLSRC, tests/integration/test_home_entries_downstream.py) and the home symptom diary has no QS
test code, so the demo's SDTM has no SUPPQS and define.xml declares none. A study file may keep a patient-reported
QS instrument at home, though (here: ESSPRI, when it occurs): its home rows then carry COLSRC=HOME in SUPPQS,
its clinic rows none (absent = collected at the clinic, as for EX), and define.xml declares SUPPQS."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_client.services.recording import build_instrument_record
from desktop_client.store import records as store_records
from server.exports.registry import run_export
from shared.records import new_record
from shared.site_time import site_today
from shared.study.loader import DEFAULT_STUDY_FILE
from tests.factories import enrol_participant, enrolled_station
from tests.integration.test_home_entries_downstream import add_phone, phone_sync
from tests.live_server import ThreadServer, thread_server

HOME_QS = 'instrument = "home_symptoms"\nversion = "1.0"\nschedule = "when_occurs"\n'


@pytest.fixture
def home_qs_server(tmp_path: Path) -> Iterator[ThreadServer]:
    """A server whose study keeps the patient index instrument at home too (one more [[home.diaries]])."""
    text = DEFAULT_STUDY_FILE.read_text(encoding="utf-8")
    assert HOME_QS in text
    study_file = tmp_path / "home-qs-study.toml"
    study_file.write_text(text.replace(HOME_QS, HOME_QS + '\n[[home.diaries]]\ninstrument = "esspri"\n'
                                       'version = "1.0"\nschedule = "when_occurs"\n'), encoding="utf-8")
    with thread_server(tmp_path / "server", None, study_file=study_file) as srv:
        yield srv


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_home_entry_in_qs_carries_colsrc_home_in_suppqs_and_define_declares_it(
        home_qs_server: ThreadServer, tmp_path: Path) -> None:
    server, study = home_qs_server, home_qs_server.ctx.study
    inst = study.instrument_with_role("patient_index")
    assert inst is not None and study.home.diary(inst.id) is not None
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    try:
        pid = enrol_participant(station)
        answers = {it.id: 4 for it in inst.items}
        clinic = build_instrument_record(station, participant_id=pid, visit_id="baseline", instrument_id=inst.id,
                                         answers=answers, entered_by="participant")
        store_records.save_record(station.store, clinic, actor="participant")
        assert engine.sync().rejected == []
    finally:
        engine.close()
        station.store.close()
    phone = add_phone(server, pid, datetime.now(UTC) - timedelta(days=1))
    site = study.sites[0]
    home = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                      site_id=site.id, participant_id=pid, entered_by="participant", device_id=phone.device_id,
                      instrument_id=inst.id, instrument_version=inst.version, language="zh",
                      timezone=site.timezone,
                      data={"diary_date": site_today(study).isoformat(), **{it.id: 2 for it in inst.items}})
    assert [r["status"] for r in phone_sync(server, phone, [home])] == ["stored"]
    run_export(server.ctx.engine, study, "sdtm", tmp_path / "sdtm", actor="staff:test")
    qs = {r["QSSEQ"]: r for r in _rows(tmp_path / "sdtm" / "qs.csv")}
    by_record = {rid: {s for s, r in qs.items() if r["QSSPID"] == rid} for rid in (home["record_id"],
                                                                                  clinic["record_id"])}
    assert by_record[home["record_id"]] and by_record[clinic["record_id"]]
    supp = [r for r in _rows(tmp_path / "sdtm" / "suppqs.csv") if r["QNAM"] == "COLSRC"]
    assert {r["QVAL"] for r in supp} == {"HOME"} and {r["IDVAR"] for r in supp} == {"QSSEQ"}
    assert {r["IDVARVAL"] for r in supp} == by_record[home["record_id"]]   # every home row, no clinic row
    assert {r["RDOMAIN"] for r in supp} == {"QS"} and {r["QLABEL"] for r in supp} == {"Collection Source"}
    define = (tmp_path / "sdtm" / "define.xml").read_text(encoding="utf-8")
    assert re.search(r'<ItemGroupDef OID="IG\.SUPPQS" Name="SUPPQS"', define)
    assert re.search(r'<ItemGroupDef OID="IG\.SUPPQS"[^>]*def:ArchiveLocationID="LF\.SUPPQS"', define)


def test_the_demo_has_no_suppqs_since_no_home_entry_reaches_qs(demo_server: ThreadServer, tmp_path: Path) -> None:
    """In NCT05605665 no home record reaches QS: no SUPPQS file, and define.xml declares none (no COLSRC that
    never occurs); the home dosing rows' COLSRC is in SUPPEX."""
    run_export(demo_server.ctx.engine, demo_server.ctx.study, "sdtm", tmp_path / "sdtm", actor="staff:test")
    assert not (tmp_path / "sdtm" / "suppqs.csv").exists()
    assert "SUPPQS" not in (tmp_path / "sdtm" / "define.xml").read_text(encoding="utf-8")
    assert {r["QVAL"] for r in _rows(tmp_path / "sdtm" / "suppex.csv") if r["QNAM"] == "COLSRC"} == {"HOME"}
