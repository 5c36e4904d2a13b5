"""Dosing as taken, end to end on the real parts, with site-local dates everywhere a person reads one.

A participant's baseline form is recorded at 07:30 in Beijing (23:30 UTC the day before). The real kiosk then
asks the dosing diary per actual date from that Beijing day to today (in English and Chinese); the participant
ticks the doses taken; nurse mode shows the first dose and compliance; the records sync to the real server,
whose participant page, audit page, CSV, SDTM and report all say the Beijing day, never the UTC one.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from desktop_client.services import recording
from desktop_client.services.sync_engine import SyncEngine, SyncSettings
from desktop_client.store import records as store_records
from desktop_client.ui.widgets.dose_calendar import DoseCalendar
from server.exports.registry import run_export
from server.services.exposure import first_dose_dates
from server.storage.engine import reading
from shared.records import timestamps
from shared.site_time import day_label, site_today
from tests.factories import STAFF_PASSWORD, server_staff
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import click, start_session, widget_texts
from tests.ui.nurse_drive import open_home
from tests.ui.test_kiosk_session import plan_for, walk_questions

ARM = "IL2RAPA"
INJECTION_DAYS = (0, 3, 7, 10)     # IL-2 twice weekly
MISSED_RAPAMYCIN = 5               # one day without rapamycin


def _record_baseline_at_0730_beijing(kiosk: KioskStation, pid: str, day: date) -> dict[str, Any]:
    station = kiosk.station
    study = station.study
    inst = study.instrument_with_role("patient_global")
    rec = recording.build_instrument_record(station, participant_id=pid, visit_id=study.visit_with_role("baseline").id,
                                            instrument_id=inst.id, answers={inst.items[0].id: 61},
                                            entered_by="participant")
    at = datetime.combine(day, time(7, 30)) - timedelta(hours=8)            # 07:30 at UTC+8
    rec["collected_at"], rec["collected_at_local"] = timestamps(station.site_timezone, at.replace(tzinfo=UTC))
    assert rec["collected_at"].startswith(f"{(day - timedelta(days=1)).isoformat()}T23:30")
    store_records.save_record(station.store, rec, actor="participant")
    return rec


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_diary_asks_per_beijing_date_and_every_surface_shows_the_beijing_day(
        qtbot: Any, make_window: Any, kiosk_station: KioskStation, kiosk_server: Any, tmp_path: Path) -> None:
    station = kiosk_station.station
    study = station.study
    pid = kiosk_station.by_arm[ARM]
    today = site_today(study, station.site_id)
    d0 = today - timedelta(days=10)
    baseline = _record_baseline_at_0730_beijing(kiosk_station, pid, d0)

    # ---- the kiosk: one line per actual date since the baseline day, in the participant's words ----------
    window = make_window()
    start_session(qtbot, window, pid, "week2")
    view = window.session_view
    dates = view._form.dose_dates
    assert dates == tuple(d0 + timedelta(days=n) for n in range(11))        # the Beijing day, not the UTC one
    plan = plan_for(study.arm(ARM).drugs, dates)
    plan[("dosing_diary", "doses_taken")] = {
        d.isoformat(): (["il2"] if n in INJECTION_DAYS else []) + ([] if n == MISSED_RAPAMYCIN else ["rapamycin"])
        for n, d in enumerate(dates)}
    walk_questions(qtbot, window, plan, vas_percent=40)
    diary_page = next(p for p in view.pages if isinstance(p.main.widget, DoseCalendar))
    calendar = diary_page.main.widget
    assert [label.text() for label in calendar.day_labels] == [day_label(d, "en") for d in dates]
    assert calendar.day_labels[0].text() == f"{d0:%a} {d0.day} {d0:%b} {d0.year}"
    assert f"{day_label(d0, 'en')}: IL-2, rapamycin" in " ".join(widget_texts(view.review, visible_only=True))
    click(qtbot, view.language_button)                                        # 中文
    weekday = "一二三四五六日"[d0.weekday()]
    assert calendar.day_labels[0].text() == f"{d0.year}年{d0.month}月{d0.day}日 星期{weekday}"
    assert calendar.button_for(d0, "il2").text() == "IL-2" and calendar.button_for(d0, "rapamycin").text() == "雷帕霉素"
    assert f"{day_label(d0, 'zh')}: IL-2, 雷帕霉素" in " ".join(widget_texts(view.review, visible_only=True))
    click(qtbot, view.language_button)
    click(qtbot, view.submit_button)
    qtbot.waitUntil(view.on_thanks, timeout=20000)
    saved = {r["instrument_id"]: r for r in store_records.records_of(station.store, pid, kind="instrument_response")}
    assert saved["dosing_diary"]["instrument_version"] == "2.0"
    assert saved["dosing_diary"]["data"]["doses_taken"] == plan[("dosing_diary", "doses_taken")]
    click(qtbot, view.thanks.done)

    # ---- nurse mode: first dose and compliance from the same rules ----------------------------------------
    home = open_home(qtbot, station)
    page = home.go("dosing")
    page.participant.select(pid)
    page.reload()
    assert page.first_dose.text() == day_label(d0, "en")
    # IL-2: 4 of 11 x 2/7 = 3.1 expected; rapamycin: 10 of 11 days; overall 14 / 14.1
    assert page.overall.text().startswith("99.0 % over 11 days")
    assert "IL-2: 4 of 3.1 expected (127.3 %)" in page.per_drug.text()
    assert "rapamycin: 10 of 11 expected (90.9 %)" in page.per_drug.text()
    assert page.table.rowCount() == 11 and page.table.item(0, 0).text() == day_label(d0, "en")

    # ---- the server: synced records, the first-dose read, pages -------------------------------------------
    engine = SyncEngine(station, kiosk_server.url, settings_=SyncSettings(backoff_multiplier=0.01))
    report = engine.sync()
    engine.close()
    assert not report.rejected and report.remaining == 0, report.rejected
    with reading(kiosk_server.ctx.engine) as conn:
        assert first_dose_dates(conn, study, participant_ids=[pid]) == {pid: d0}
    server_staff(kiosk_server, "web.admin", roles=("admin",), sites=tuple(s.id for s in study.sites))
    with httpx.Client(base_url=kiosk_server.url, timeout=30) as web:
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/signin").text).group(1)  # type: ignore
        assert web.post("/signin", data={"csrf_token": token, "username": "web.admin",
                                         "password": STAFF_PASSWORD}).status_code == 302
        page_html = web.get(f"/participants/{pid}").text
        row = re.search(rf'<tr data-record="{baseline["record_id"]}"[^>]*><td>([^<]*)</td>', page_html)
        assert row and row.group(1) == d0.isoformat()                            # not the UTC day before
        assert f'<strong class="first-dose">{d0.isoformat()}</strong>' in page_html
        assert "99.0 %" in page_html and page_html.count("<td>✓</td>") == 4 + 10
        audit = web.get("/audit").text
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<br><span class=\"sub\">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
                         r"Asia/Shanghai</span>", audit)

    # ---- exports: CSV, SDTM, report --------------------------------------------------------------------
    exports = {}
    for fmt in ("csv", "sdtm", "report"):
        run_export(kiosk_server.ctx.engine, study, fmt, tmp_path / fmt, actor="staff:web.admin")
        exports[fmt] = tmp_path / fmt
    visits = [r for r in _rows(exports["csv"] / "visits.csv") if r["participant_id"] == pid]
    assert {r["visit_id"]: r["visit_date"] for r in visits}["baseline"] == d0.isoformat()
    vas = next(r for r in _rows(exports["csv"] / "patient_global_vas.csv") if r["record_id"] == baseline["record_id"])
    assert vas["collected_at_local"].startswith(f"{d0.isoformat()}T07:30:00") and vas["collected_at"].startswith(
        (d0 - timedelta(days=1)).isoformat())                                    # UTC kept beside it
    dosing = [r for r in _rows(exports["csv"] / "dosing.csv") if r["participant_id"] == pid]
    assert {(r["drug"], r["period_start"], r["period_end"], r["days"], r["doses_reported"]) for r in dosing} == {
        ("il2", d0.isoformat(), today.isoformat(), "11", "4"), ("rapamycin", d0.isoformat(), today.isoformat(),
                                                                "11", "10")}
    subject = f"{study.study.id}-{station.site_id}-{pid.split('-')[1]}"
    dm = next(r for r in _rows(exports["sdtm"] / "dm.csv") if r["USUBJID"] == subject)
    assert dm["RFSTDTC"] == dm["RFXSTDTC"] == d0.isoformat() and dm["RFXENDTC"] == today.isoformat()
    qs = [r for r in _rows(exports["sdtm"] / "qs.csv") if r["QSSPID"] == baseline["record_id"]]
    assert qs and all(r["QSDTC"] == f"{d0.isoformat()}T07:30:00" and r["QSDY"] == "1" for r in qs)
    ex = [(r["EXTRT"], r["EXSTDTC"], r["EXENDTC"]) for r in _rows(exports["sdtm"] / "ex.csv")
          if r["USUBJID"] == subject]
    il2 = study.arm(ARM).treatments[0].name.upper()
    rapa = study.arm(ARM).treatments[1].name.upper()
    day = [(d0 + timedelta(days=n)).isoformat() for n in range(11)]
    assert sorted(e for e in ex if e[0] == il2) == [(il2, day[n], day[n]) for n in INJECTION_DAYS]   # one per dose
    assert sorted(e for e in ex if e[0] == rapa) == [(rapa, day[0], day[4]), (rapa, day[6], day[10])]  # two runs
    compliance = next(r for r in _rows(exports["report"] / "compliance.csv") if r["participant_id"] == pid)
    assert compliance["first_dose_date"] == d0.isoformat() and compliance["compliance_pct"] == "99.0"
    assert (compliance["taken_il2"], compliance["expected_il2"], compliance["pct_rapamycin"]) == ("4", "3.1", "90.9")
