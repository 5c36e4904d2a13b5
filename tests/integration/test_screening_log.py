"""Screening log, randomisation at the eligibility visit and concealment per kiosk (issue 15), through a real
server over HTTP on SQLite and PostgreSQL: the server believes a screening or a randomisation only when it
holds, every refusal names the field, the value and the rule, and a kiosk holds only its own blocks."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from desktop_client.services import enrolment
from desktop_client.services.station import Station
from desktop_client.store import outbox
from desktop_client.store import station as station_settings
from server.services.allocation import public_key_b64
from server.services.screening import screening_counts
from server.storage import allocations as allocation_store
from server.storage.tables import participants, screenings
from shared.errors import AllocationError
from shared.randomisation import verified_entries
from shared.records import new_record, record_hash
from shared.sync.protocol import build_request
from shared.synthetic_screening import attested, screening_data
from tests.factories import (
    eligible_screening,
    enrolled_station,
    record_eligibility_score,
    screen_participant,
)
from tests.live_server import ThreadServer

NURSE = "staff:nurse.a"


def _post(server: ThreadServer, station: Station, *recs: dict[str, Any]) -> list[dict[str, Any]]:
    body = build_request(study_version=server.ctx.study.study.version, corrections_cursor=0, items=[])
    body["records"] = [{"record": r, "content_hash": record_hash(r)} for r in recs]
    token = station_settings.get(station.store, station_settings.DEVICE_TOKEN)
    resp = httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body), timeout=30,
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()["results"]


def _refused(result: dict[str, Any], code: str, field: str) -> dict[str, Any]:
    assert result["status"] == "rejected", result
    assert result["code"] == code and result["rule"], result
    problem = next(p for p in result["problems"] if p["field"] == field)
    assert problem["allowed"] and "value" in problem and problem["message"], problem
    return problem


def _record(station: Station, kind: str, pid: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    study = station.study
    return new_record(kind=kind, study_id=study.study.id, study_version=study.study.version, site_id=station.site_id,
                      participant_id=pid, data=data, entered_by=NURSE, device_id=station.device_id,
                      timezone=station.site_timezone, **kw)


def _randomisation(station: Station, pid: str, *, number: int, arm: str, list_id: str, score: Any,
                   eligibility_record_id: str) -> dict[str, Any]:
    visit = station.study.visit_with_role("randomisation")
    return _record(station, "randomisation", pid, {
        "arm": arm, "randomisation_number": number, "allocation_list_id": list_id, "eligibility_score": score,
        "eligibility_record_id": eligibility_record_id}, visit_id=visit.id if visit else None)


def _held(station: Station) -> list[dict[str, Any]]:
    return station.store.query("SELECT list_id, number, arm FROM allocation WHERE participant_id IS NULL "
                               "ORDER BY number")


@pytest.fixture
def kiosk(tmp_path: Path, server: ThreadServer):
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    yield station, engine
    engine.close()
    station.store.close()


def test_a_screening_is_stored_whatever_its_outcome_and_counted_for_the_flow(kiosk, server: ThreadServer) -> None:
    station, engine = kiosk
    eligible = screen_participant(station)
    failed = screen_participant(station, unmet=("E2",))
    pending = enrolment.screen(station, enrolment.Screening(**{**eligible_screening(station.study).__dict__,
                                                               "attested": {}}), actor=NURSE)["participant_id"]
    assert (eligible, failed, pending) == ("PKU-001", "PKU-002", "PKU-003")   # site prefix + screening number
    record_eligibility_score(station, eligible)
    enrolment.randomise(station, eligible, actor=NURSE)
    report = engine.sync()
    assert report.acknowledged == 5 and report.rejected == []
    with server.ctx.engine.connect() as conn:
        rows = {r.participant_id: r.outcome for r in conn.execute(select(screenings))}
        assert rows == {eligible: "eligible", failed: "screen_failure", pending: "pending"}
        counts = screening_counts(conn)
        assert (counts.screened, counts.screen_failures, counts.pending, counts.randomised) == (3, 1, 1, 1)
        assert conn.execute(select(participants.c.participant_id)).scalars().all() == [eligible]
    kiosk_view = {p["participant_id"]: (p["arm"], p["status"]) for p in station.participants()}
    assert kiosk_view[failed] == (None, "screen_failure") and kiosk_view[eligible][1] == "enrolled"


def test_the_server_refuses_a_randomisation_that_does_not_hold_naming_field_value_and_rule(
        kiosk, server: ThreadServer) -> None:
    station, engine = kiosk
    pid = screen_participant(station)
    failed = screen_participant(station, unmet=("E1",))
    engine.sync()
    slot = _held(station)[0]
    fake_score = "00000000-0000-4000-8000-000000000000"
    # no scored eligibility-visit record on the server: eligibility is not confirmed
    early = _randomisation(station, pid, number=slot["number"], arm=slot["arm"], list_id=slot["list_id"], score=7,
                           eligibility_record_id=fake_score)
    problem = _refused(_post(server, station, early)[0], "record.randomisation_refused", "eligibility.I4")
    assert problem["code"] == "eligibility.score_missing"
    # a screen failure is never randomised, whatever the kiosk says
    scored = record_eligibility_score(station, failed)
    refused = _post(server, station, scored, _randomisation(
        station, failed, number=slot["number"], arm=slot["arm"], list_id=slot["list_id"], score=0,
        eligibility_record_id=scored["record_id"]))
    assert refused[0]["status"] == "stored"
    _refused(refused[1], "record.randomisation_refused", "eligibility.E1")
    # the arm must be the signed list's, and the number from this kiosk's own blocks
    scored = record_eligibility_score(station, pid)
    assert _post(server, station, scored)[0]["status"] == "stored"
    score = enrolment.eligibility_scores_of(station, pid).baseline
    other_arm = next(a.code for a in server.ctx.study.arms if a.code != slot["arm"])
    wrong_arm = _randomisation(station, pid, number=slot["number"], arm=other_arm, list_id=slot["list_id"],
                               score=score, eligibility_record_id=scored["record_id"])
    _refused(_post(server, station, wrong_arm)[0], "record.randomisation_refused", "data.arm")
    with server.ctx.engine.connect() as conn:
        mine = set(allocation_store.granted_blocks(conn, "PKU", station.device_id))
        entries = [e for _lid, signed in allocation_store.signed_lists(conn, "PKU")
                   for e in json.loads(signed)["body"]["entries"]]
    foreign = next(e for e in entries if e["block"] not in mine)
    not_mine = _randomisation(station, pid, number=foreign["number"], arm=foreign["arm"], list_id=slot["list_id"],
                              score=score, eligibility_record_id=scored["record_id"])
    _refused(_post(server, station, not_mine)[0], "record.randomisation_refused", "data.randomisation_number")
    typed = _randomisation(station, pid, number=slot["number"], arm=slot["arm"], list_id=slot["list_id"],
                           score=(score or 0) + 1, eligibility_record_id=scored["record_id"])
    _refused(_post(server, station, typed)[0], "record.randomisation_refused", "data.eligibility_score")
    # someone never screened
    ghost = _randomisation(station, "PKU-099", number=slot["number"], arm=slot["arm"], list_id=slot["list_id"],
                           score=score, eligibility_record_id=scored["record_id"])
    _refused(_post(server, station, ghost)[0], "record.randomisation_refused", "participant_id")
    good = _randomisation(station, pid, number=slot["number"], arm=slot["arm"], list_id=slot["list_id"],
                          score=score, eligibility_record_id=scored["record_id"])
    assert _post(server, station, good)[0]["status"] == "stored"
    with server.ctx.engine.connect() as conn:
        assert conn.execute(select(participants.c.arm).where(participants.c.participant_id == pid)).scalar_one() \
            == slot["arm"]


def test_a_screening_needs_a_number_granted_to_the_kiosk_and_one_step_enrolment_is_retired(
        kiosk, server: ThreadServer) -> None:
    station, engine = kiosk
    study = station.study
    data = screening_data(study, born=date(1975, 3, 14), sex="F", consent=date(2026, 11, 1),
                          screening=date(2026, 11, 2), criteria=attested(study), screening_score=7)
    granted = [r["number"] for r in station.store.query("SELECT number FROM screening_numbers")]
    outside = max(granted) + 500
    refused = _post(server, station, _record(station, "screening", f"PKU-{outside:03d}", data))[0]
    problem = _refused(refused, "record.screening_refused", "participant_id")
    assert problem["value"] == f"PKU-{outside:03d}"
    old = {"year_of_birth": 1975, "sex": "F", "screening_date": "2026-11-02", "consent_date": "2026-11-01",
           "criteria": attested(study), str(study.score_criterion().field): 7, "arm": study.arms[0].code,
           "allocation_number": 1, "allocation_list_id": "x"}
    _refused(_post(server, station, _record(station, "enrolment", f"PKU-{granted[0]:03d}", old))[0],
             "record.enrolment_retired", "kind")
    assert engine.sync().rejected == []


def test_a_kiosk_holds_only_its_own_blocks_each_signed_and_never_the_whole_list(tmp_path: Path,
                                                                                 server: ThreadServer) -> None:
    a, ea = enrolled_station(tmp_path / "a", server, label="kiosk a")
    b, eb = enrolled_station(tmp_path / "b", server, label="kiosk b")
    try:
        for engine in (ea, eb):
            engine.sync()
        with server.ctx.engine.connect() as conn:
            whole = {e["number"] for _lid, s in allocation_store.signed_lists(conn, "PKU")
                     for e in json.loads(s)["body"]["entries"]}
            key = public_key_b64(conn)
            grants = {st.device_id: set(allocation_store.granted_blocks(conn, "PKU", st.device_id)) for st in (a, b)}
        held = {st.device_id: {r["number"] for r in st.store.query("SELECT number FROM allocation")} for st in (a, b)}
        assert held[a.device_id].isdisjoint(held[b.device_id])
        assert held[a.device_id] | held[b.device_id] < whole          # neither holds the whole list
        token = station_settings.get(a.store, station_settings.DEVICE_TOKEN)
        body = build_request(study_version=server.ctx.study.study.version, corrections_cursor=0, items=[])
        down = httpx.post(f"{server.url}/api/v1/sync", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}).json()["downstream"]["allocation"]
        sent = [e for signed in down["lists"] for e in verified_entries(signed, key)]   # each block verifies
        assert {e["block"] for e in sent} == grants[a.device_id] and {s["body"]["block"] for s in down["lists"]} \
            == grants[a.device_id]
        assert {e["number"] for e in sent} == held[a.device_id]
        tampered = json.loads(json.dumps(down["lists"][0]))
        tampered["body"]["entries"][0]["arm"] = "X"
        with pytest.raises(AllocationError):
            verified_entries(tampered, key)
    finally:
        for st, engine in ((a, ea), (b, eb)):
            engine.close()
            st.store.close()


def test_three_offline_kiosks_randomising_thirty_keep_balance_within_every_block(tmp_path: Path,
                                                                                  sqlite_server: ThreadServer) -> None:
    server = sqlite_server
    kiosks = [enrolled_station(tmp_path / name, server, label=f"kiosk {name}") for name in "abc"]
    rng = random.Random(15)
    randomised = 0
    try:
        while randomised < 30:
            for station, _engine in kiosks:        # each kiosk works offline until its own blocks run out
                while randomised < 30 and _held(station):
                    pid = screen_participant(station)
                    record_eligibility_score(station, pid, at_least=rng.randint(4, 20))
                    enrolment.randomise(station, pid, actor=NURSE)
                    randomised += 1
                if randomised < 30:
                    pid = screen_participant(station)
                    record_eligibility_score(station, pid)
                    with pytest.raises(AllocationError, match="allocations have run out"):
                        enrolment.randomise(station, pid, actor=NURSE)   # said clearly; nothing revealed
                    assert station.participant_arm(pid) is None
            for _station, engine in kiosks:         # back online: everything is believed and stored
                assert engine.sync().rejected == []
        with server.ctx.engine.connect() as conn:
            people = conn.execute(select(participants.c.participant_id, participants.c.arm,
                                         participants.c.allocation_number)).all()
            slots = {e["number"]: e for _lid, s in allocation_store.signed_lists(conn, "PKU")
                     for e in json.loads(s)["body"]["entries"]}
        assert len(people) == 30 and len({p.participant_id for p in people}) == 30
        assert len({p.allocation_number for p in people}) == 30
        by_block: dict[int, Counter[str]] = {}
        for p in people:
            assert slots[p.allocation_number]["arm"] == p.arm
            by_block.setdefault(slots[p.allocation_number]["block"], Counter())[p.arm] += 1
        arms = [a.code for a in server.ctx.study.arms]
        for block, got in by_block.items():
            size = sum(1 for e in slots.values() if e["block"] == block)
            if sum(got.values()) == size:            # a finished block: exactly 1:1:1
                assert all(got[a] == size // len(arms) for a in arms), (block, got)
            else:                                   # an open block never exceeds its share of any arm
                assert all(got[a] <= size // len(arms) for a in arms), (block, got)
        totals = Counter(p.arm for p in people)
        assert max(totals.values()) - min(totals.values()) <= 2 * max(server.ctx.study.randomisation.block_sizes)
    finally:
        for station, engine in kiosks:
            engine.close()
            station.store.close()


def test_a_kiosk_records_only_after_the_screening_and_arm_specific_ones_after_the_randomisation(
        kiosk, server: ThreadServer) -> None:
    station, engine = kiosk
    pid = screen_participant(station)
    record_eligibility_score(station, pid)
    enrolment.randomise(station, pid, actor=NURSE)
    kinds = [r["kind"] for r, _ in outbox.pending_batch(station.store, 10)]
    assert kinds == ["screening", "instrument_response", "randomisation"]   # the order the server needs
    assert engine.sync().rejected == []


def test_screen_failures_reach_sdtm_dm_and_ie_and_the_csv_screening_log(tmp_path: Path,
                                                                         demo_server: ThreadServer) -> None:
    import csv

    from server.exports.csv_export import export_csv
    from server.exports.sdtm import export_sdtm

    study = demo_server.ctx.study
    with demo_server.ctx.engine.connect() as conn:
        export_sdtm(conn, study, tmp_path / "sdtm")
        export_csv(conn, study, tmp_path / "csv")
        log = {r.participant_id: r for r in conn.execute(select(screenings))}

    def rows(path: Path) -> list[dict[str, str]]:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    dm = {r["USUBJID"].rsplit("-", 1)[1]: r for r in rows(tmp_path / "sdtm" / "dm.csv")}
    failed = sorted(pid for pid, r in log.items() if r.outcome == "screen_failure")
    assert len(dm) == len(log) == 15 and len(failed) == 3          # 12 randomised, 3 screen failures
    for pid, row in dm.items():
        person = log[f"PKU-{pid}"]
        assert row["AGE"] == str(person.age_at_consent) and row["BRTHDTC"] == person.birth_year_month
        assert row["RFICDTC"] == person.consent_date
        if person.outcome == "screen_failure":   # SDTMIG 3.4: no arm, the reason why
            assert (row["ARMCD"], row["ARM"], row["ACTARMCD"], row["ACTARM"]) == ("", "", "", "")
            assert row["ARMNRS"] == "SCREEN FAILURE"
        else:
            assert row["ARMCD"] and row["ACTARMCD"] == row["ARMCD"] and row["ARMNRS"] == ""
    ie = rows(tmp_path / "sdtm" / "ie.csv")
    by_person: dict[str, set[str]] = {}
    for r in ie:
        by_person.setdefault(f"PKU-{r['USUBJID'].rsplit('-', 1)[1]}", set()).add(r["IETESTCD"])
        assert (r["IECAT"], r["IEORRES"]) in (("INCLUSION", "N"), ("EXCLUSION", "Y"))
    assert by_person == {pid: set(json.loads(log[pid].failed_criteria)) for pid in failed}
    ts = {r["TSPARMCD"]: r["TSVAL"] for r in rows(tmp_path / "sdtm" / "ts.csv")}
    assert ts["ACTSUB"] == "12"                       # randomised subjects; DM has everyone screened
    screening_csv = rows(tmp_path / "csv" / "screening.csv")
    assert sorted(r["participant_id"] for r in screening_csv if r["outcome"] == "screen_failure") == failed
    assert all(r["failed_criteria"] for r in screening_csv if r["outcome"] == "screen_failure")



def test_childbearing_potential_reaches_the_csv_screening_log_and_sdtm_rp(tmp_path: Path,
                                                                          demo_server: ThreadServer) -> None:
    """Issue 18 point 7: the screening's childbearing potential (which decides the pregnancy-test rule at
    randomisation) is a screening.csv column and an RP CHILDPOT row at the screening visit; null is no row."""
    import csv
    from dataclasses import replace

    from server.exports.csv_export import export_csv
    from server.exports.current import current_records, participants_with_data
    from server.exports.sdtm import diary_id, export_sdtm
    from server.exports.sdtm_rp import rp_rows
    from server.exports.sdtm_timing import timing

    study = demo_server.ctx.study
    with demo_server.ctx.engine.connect() as conn:
        export_sdtm(conn, study, tmp_path / "sdtm")
        export_csv(conn, study, tmp_path / "csv")
        screened = {r["participant_id"]: r["data"] for r in current_records(conn, kind="screening")}
        someone = next(participants_with_data(conn, screened=True))

    def rows(path: Path) -> list[dict[str, str]]:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    women = [p for p, d in screened.items() if d["sex"] == "F" and d["childbearing_potential"] is True]
    men = [p for p, d in screened.items() if d["sex"] == "M"]
    assert women and men and all(screened[p]["childbearing_potential"] is False for p in men)
    log = {r["participant_id"]: r["childbearing_potential"] for r in rows(tmp_path / "csv" / "screening.csv")}
    assert {log[p] for p in women} == {"true"} and {log[p] for p in men} == {"false"}
    assert log == {p: "true" if d["childbearing_potential"] else "false" for p, d in screened.items()}
    dictionary = {(r["file"], r["variable"]) for r in rows(tmp_path / "csv" / "data_dictionary.csv")}
    assert ("screening.csv", "childbearing_potential") in dictionary
    rp = {f"PKU-{r['USUBJID'].rsplit('-', 1)[1]}": r for r in rows(tmp_path / "sdtm" / "rp.csv")}
    assert set(rp) == set(screened)   # everyone screened, randomised or not, has the finding
    visit = study.visit_with_role("screening")
    assert visit is not None
    for pid, row in rp.items():
        answer = "Y" if screened[pid]["childbearing_potential"] else "N"
        assert (row["RPTESTCD"], row["RPTEST"], row["RPORRES"], row["RPSTRESC"]) == (
            "CHILDPOT", "Childbearing Potential", answer, answer)
        assert (row["VISITNUM"], row["VISIT"], row["EPOCH"]) == (str(visit.number), visit.label, "SCREENING")
        assert row["RPDTC"] == screened[pid]["screening_date"] and row["RPSEQ"] == "1"
    assert {rp[p]["RPORRES"] for p in women} == {"Y"} and {rp[p]["RPORRES"] for p in men} == {"N"}
    unrecorded = replace(someone, records=[{**r, "data": {**r["data"], "childbearing_potential": None}}
                                           if r["kind"] == "screening" else r for r in someone.records])
    assert list(rp_rows(study, unrecorded, timing(study, unrecorded, diary_id(study)))) == []   # null: no row
