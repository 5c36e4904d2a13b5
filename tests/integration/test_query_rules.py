"""Rule-raised queries: the study file's edit checks, raised by the job runner once, closed by the rule when the
data are corrected, never raised twice; a query a person closed stays closed while the finding stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from desktop_client.services import recording
from desktop_client.store import records as store_records
from server.services import query_rules
from server.services.queries import SYSTEM
from server.services.worker import build_runner
from server.storage.tables import queries
from shared.instruments import get_instrument
from shared.records import new_record
from shared.validation import validate_record
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer

COUNTED_DIARY = "1.0"   # the edit checks read the counts of the counted diary (records older kiosks still send)


def _record_counted_diary(station: Any, pid: str, answers: dict[str, Any]) -> dict[str, Any]:
    """A week-2 counted (1.0) dosing diary saved as an older kiosk would (the study now asks the dated 2.0)."""
    study = station.study
    rec = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                     site_id=station.site_id, participant_id=pid, data=answers, entered_by="participant",
                     device_id=station.device_id, visit_id="week2", instrument_id="dosing_diary",
                     instrument_version=COUNTED_DIARY, timezone=station.site_timezone)
    validate_record(rec, study, arm_code=station.participant_arm(pid), consent_date=station.participant_consent(pid))
    store_records.save_record(station.store, rec, actor="participant")
    return rec


def _diary(station: Any, pid: str, *, short: bool) -> tuple[dict[str, Any], set[str]]:
    """A week-2 dosing diary breaking every edit check that applies to the participant's arm (``short``),
    or breaking none; returns the answers and the checks it breaks."""
    drugs = station.study.arm(station.participant_arm(pid)).drugs
    inst = get_instrument("dosing_diary", COUNTED_DIARY)
    answers: dict[str, Any] = {"any_missed": False}
    broken = set()
    for item in inst.items_for(drugs):
        if item.id == "il2_injections":
            answers[item.id] = 2 if short else 4
            broken |= {"edit_check:injections_short_without_missed_dose"} if short else set()
        elif item.id == "rapamycin_days":
            answers[item.id] = 20 if short else 14
            broken |= {"edit_check:oral_days_beyond_interval"} if short else set()
    return answers, broken


def _rule_rows(server: ThreadServer, prefix: str = "edit_check:") -> list[Any]:
    """The rule-raised queries whose rule starts with ``prefix`` (the edit checks under test by default: the week-2
    diary saved on the baseline day also raises the built-in out-of-window query, which corrections keep)."""
    with server.ctx.engine.connect() as conn:
        return list(conn.execute(select(queries).where(queries.c.rule.like(f"{prefix}%")).order_by(queries.c.rule)))


def test_edit_checks_raise_once_and_close_when_the_data_are_corrected(tmp_path: Path, server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    answers, broken = _diary(station, pid, short=True)
    rec = _record_counted_diary(station, pid, answers)
    engine.sync()
    ctx = server.ctx

    done, seq = query_rules.run_rules(ctx.engine, ctx.study)
    window = _rule_rows(server, "visit_window")
    assert [r.target_id for r in window] == [rec["record_id"]]      # week 2 on the baseline day: out of window
    assert done.raised == len(broken) + len(window) and len(broken) > 0
    rows = _rule_rows(server)
    assert {r.rule for r in rows} == broken and {r.state for r in rows} == {"open"}
    assert {r.target_id for r in rows} == {rec["record_id"]} and all(r.raised_by == SYSTEM for r in rows)
    assert query_rules.run_rules(ctx.engine, ctx.study, last_seq=seq)[0].skipped  # nothing changed: no pass
    again, _ = query_rules.run_rules(ctx.engine, ctx.study)
    assert (again.raised, again.closed) == (0, 0) and len(_rule_rows(server)) == len(broken)

    fixed, _ = _diary(station, pid, short=False)
    recording.correct_record(station, rec["record_id"], data=fixed, reason="diary re-read with the participant",
                             actor="staff:nurse.a")
    engine.sync()
    runner = build_runner(ctx)  # the job runner's periodic pass does the same
    runner.run_periodic()
    rows = _rule_rows(server)
    assert {r.state for r in rows} == {"closed"} and {r.closed_by for r in rows} == {SYSTEM}

    recording.correct_record(station, rec["record_id"], data=answers, reason="the first reading was right",
                             actor="staff:nurse.a")
    engine.sync()
    back, _ = query_rules.run_rules(ctx.engine, ctx.study)
    assert (back.raised, back.reopened) == (0, len(broken))
    assert {r.state for r in _rule_rows(server)} == {"reopened"}
    engine.close()
    station.store.close()


def test_a_rule_query_a_monitor_closed_stays_closed_while_its_finding_stays(tmp_path: Path,
                                                                        server: ThreadServer) -> None:
    from server.services import queries as service
    from server.services.auth import Staff
    from server.storage.engine import writing

    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    answers, broken = _diary(station, pid, short=True)
    _record_counted_diary(station, pid, answers)
    engine.sync()
    ctx = server.ctx
    query_rules.run_rules(ctx.engine, ctx.study)
    monitor = Staff("mon.a", "Monitor A", frozenset({"monitor"}), frozenset({"PKU"}))
    raised = _rule_rows(server)
    assert len(raised) == len(broken)
    with writing(ctx.engine) as conn:
        for r in raised:
            service.act(conn, monitor, r.query_id, "close", "Accepted: the diary was checked at the visit.")
    done, _ = query_rules.run_rules(ctx.engine, ctx.study)
    assert (done.raised, done.reopened) == (0, 0)
    assert {r.state for r in _rule_rows(server)} == {"closed"} and {r.closed_by for r in _rule_rows(server)} == \
        {"user:mon.a"}
    engine.close()
    station.store.close()
