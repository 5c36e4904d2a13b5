"""The server's picture of the site on every kiosk (issue 22, point 2): kiosk A records visits and an AE and
syncs; kiosk B, which never saw those records, syncs and its nurse overview (real Qt widgets) shows the same visits
done with their dates, no visit of those missing, the AE and the latest scores. Later syncs bring only what
changed (``state_cursor``). The site rule: tests/integration/test_site_state_sites.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from desktop_client.services import adverse_events, overview
from desktop_client.services.adverse_events import AdverseEventEntry
from desktop_client.services.simulate import simulate, simulated_schedule
from desktop_client.services.station import Station
from desktop_client.store import station as settings
from tests.factories import enrolled_station
from tests.live_server import ThreadServer
from tests.ui.nurse_drive import open_home

VISITS = 4      # the first four scheduled visits after screening (baseline to week 6 in NCT05605665)


def _ae(station: Station, pid: str, term: str) -> dict[str, Any]:
    drugs = station.study.arm(station.participant_arm(pid) or "").drugs
    return adverse_events.record_adverse_event(station, pid, AdverseEventEntry(
        term=term, onset_date=overview.site_today(station), grade=3, serious_criteria=("hospitalisation",),
        causality={d: "possible" for d in drugs}, action={d: "none" for d in drugs}, outcome="recovering",
        awareness_at=datetime.now(ZoneInfo(station.site_timezone))), actor="staff:nurse.a")   # the site's day, as onset


def _by_id(station: Station) -> dict[str, overview.ParticipantOverview]:
    return {p.participant_id: p for p in overview.station_overview(station).participants}


def test_a_kiosk_that_never_saw_the_records_shows_the_sites_visits_aes_and_scores(
        qtbot: Any, language: Any, tmp_path: Path, kiosk_server: ThreadServer, artifacts: Path) -> None:
    a, engine_a = enrolled_station(tmp_path / "kiosk-a", kiosk_server)
    simulate(a, participants=2, visits=VISITS, emit=lambda _r: None, seed=22, staff="nurse.a")
    pid = a.participants()[0]["participant_id"]
    ae = _ae(a, pid, "Pneumonia")
    assert engine_a.sync().remaining == 0

    b, engine_b = enrolled_station(tmp_path / "kiosk-b", kiosk_server)
    first = engine_b.sync()
    assert first.state_received > 0
    assert b.store.query("SELECT count(*) AS n FROM records")[0]["n"] == 0    # B holds none of A's records
    seen_a, seen_b = _by_id(a), _by_id(b)
    schedule = [v.id for v in simulated_schedule(b.study, VISITS)]
    for person, mine in seen_a.items():
        theirs = seen_b[person]
        assert [(v.visit_id, v.status, v.missing) for v in theirs.visits] == \
            [(v.visit_id, v.status, v.missing) for v in mine.visits]
        assert theirs.baseline_date == mine.baseline_date is not None
        for v in theirs.visits:
            if v.visit_id in schedule:
                assert v.status == overview.DONE and v.missing == (), (person, v)
        assert [s.instrument_id for s in theirs.latest_scores] == [s.instrument_id for s in mine.latest_scores]
        assert [s.scores for s in theirs.latest_scores] == [s.scores for s in mine.latest_scores]
    assert seen_b[pid].latest_scores, "a scored instrument was recorded"
    [event] = seen_b[pid].adverse_events
    assert (event.record_id, event.term, event.grade, event.outcome, event.serious, event.here) == \
        (ae["record_id"], "Pneumonia", 3, "recovering", True, False)
    assert event.onset_date == ae["data"]["onset_date"]
    assert seen_b[pid].adverse_events[0].record_id == seen_a[pid].adverse_events[0].record_id

    # The nurse overview of kiosk B, on screen, in both languages.
    out_dir = artifacts / "screens"
    for code in ("en", "zh"):
        language.set(code)
        home = open_home(qtbot, b)
        home.resize(1280, 800)
        page = home.go("overview")
        row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == pid)
        page.table.selectRow(row)
        assert "Pneumonia" in page.events.text() and page.events.isVisible()
        assert page.scores.isVisible() and len(page.scores.text().split("; ")) == len(seen_b[pid].latest_scores)
        assert page.table.item(row, 2).text() == str(seen_a[pid].count(overview.DONE))
        for r, v in enumerate(seen_b[pid].visits):     # nothing "still missing" at a visit kiosk A recorded
            if v.visit_id in schedule:
                assert page.visits.item(r, 3).text() == "", (code, v.visit_id)
        (out_dir / f"{code}-1280x800").mkdir(parents=True, exist_ok=True)
        assert home.grab().save(str(out_dir / f"{code}-1280x800" / "nurse-overview-from-server.png"))
        home.close()
    language.set("en")

    # Only what changed comes down afterwards: one new AE on A, then B's next sync brings exactly that.
    cursor = int(settings.get(b.store, settings.STATE_CURSOR) or 0)
    assert cursor > 0
    again = engine_b.sync()
    assert again.state_received == 0
    _ae(a, pid, "Herpes zoster")
    engine_a.sync()
    later = engine_b.sync()
    assert later.state_received == 1
    assert {e.term for e in _by_id(b)[pid].adverse_events} == {"Pneumonia", "Herpes zoster"}
    for engine in (engine_a, engine_b):
        engine.close()
    a.store.close()
    b.store.close()
