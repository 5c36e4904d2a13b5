"""Freeze and lock (issue 19, point 5): a data manager freezes a participant or locks the study with the CLI
while the server runs; the next kiosk sync gets a per-record refusal (`participant.frozen`, `study.locked`) and
the kiosk keeps the records; web corrections are refused too; unfreeze and unlock are audited; the study lock
is refused, listing what is open, until every casebook is signed."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from desktop_client.store import outbox
from server.storage.tables import audit_log, records
from tests.integration.signoff_support import cli, csrf, kiosk_with_participant, staff_client
from tests.live_server import ThreadServer


def _actions(server: ThreadServer, prefix: str) -> list[tuple[str, str, str | None]]:
    with server.ctx.engine.connect() as conn:
        return [(r.action, r.entity_id, r.reason) for r in conn.execute(
            select(audit_log).where(audit_log.c.action.like(f"{prefix}%")).order_by(audit_log.c.seq))]


def test_a_frozen_participant_gets_nothing_new_until_unfrozen(tmp_path: Path, server: ThreadServer) -> None:
    site = kiosk_with_participant(tmp_path, server)
    pid = site.participant_id
    # a real child process: an outside tool's freeze is in force from the running server's next request
    done = cli(server, "lock", "participant", pid, "--reason", "source data verified", child=True)
    assert done.returncode == 0, done.stderr

    held = site.answer(55)
    report = site.engine.sync()
    (refusal,) = [r for r in report.rejected if r["record_id"] == held]
    assert refusal["status"] == "rejected" and refusal["code"] == "participant.frozen"
    assert pid in refusal["reason"] and "source data verified" in refusal["reason"]
    kept = {r["record_id"]: r for r in outbox.held_rows(site.station.store)}
    assert kept[held]["state"] == "rejected"                       # still on the kiosk, not lost
    with server.ctx.engine.connect() as conn:                       # the correction was not stored
        assert conn.execute(select(records.c.revision).where(records.c.record_id == held)).scalars().all() == [1]

    labs = tmp_path / "labs.csv"
    labs.write_text(f"participant,visit,date,value,unit\n{pid},{site.baseline},2026-11-20,4.2,%\n", encoding="utf-8")
    refused_lab = cli(server, "lab", "import", str(labs))
    assert refused_lab.returncode == 2 and "frozen" in refused_lab.stderr and "row 2" in refused_lab.stderr

    again = cli(server, "lock", "participant", pid, "--reason", "twice")
    assert again.returncode == 2 and "already frozen" in again.stderr
    no_reason = cli(server, "unlock", "participant", pid, "--reason", " ")
    assert no_reason.returncode == 2 and "reason" in no_reason.stderr
    assert cli(server, "unlock", "participant", pid, "--reason", "late lab result to add").returncode == 0
    report = site.engine.sync()
    assert not report.rejected and report.acknowledged >= 1        # the kept record now goes through
    assert cli(server, "lab", "import", str(labs)).returncode == 0
    assert _actions(server, "participant.") == [("participant.freeze", pid, "source data verified"),
                                                ("participant.unfreeze", pid, "late lab result to add")]


def test_a_web_correction_of_a_frozen_participant_is_refused(tmp_path: Path, server: ThreadServer) -> None:
    site = kiosk_with_participant(tmp_path, server)
    dm = staff_client(server, "dm.lock", "data_manager")
    with server.ctx.engine.connect() as conn:
        rid, body = conn.execute(select(records.c.record_id, records.c.body).where(
            records.c.record_id == site.first)).first()  # the baseline VAS
    item = next(iter(json.loads(body)["data"]))
    assert cli(server, "lock", "participant", site.participant_id, "--reason", "frozen for review").returncode == 0
    page = dm.get(f"/records/{rid}/correct")
    refused = dm.post(f"/records/{rid}/correct", data={"csrf_token": csrf(page.text), f"f_{item}": "12",
                                                        "reason": "typo"})
    assert refused.status_code == 422 and "frozen" in refused.text
    with server.ctx.engine.connect() as conn:
        assert len(conn.execute(select(records.c.revision).where(records.c.record_id == rid)).all()) == 1


def test_the_study_lock_waits_for_the_checklist_then_refuses_every_sync(tmp_path: Path,
                                                                       server: ThreadServer) -> None:
    site = kiosk_with_participant(tmp_path, server)
    pid = site.participant_id
    refused = cli(server, "lock", "study", "--reason", "database lock")
    assert refused.returncode == 2
    assert f"open: casebook_unsigned\t{pid}" in refused.stdout and "cannot be locked" in refused.stderr

    dm = staff_client(server, "dm.checklist", "data_manager")
    page = dm.get("/lock")
    assert page.status_code == 200 and 'data-kind="casebook_unsigned"' in page.text and pid in page.text
    web_refused = dm.post("/lock", data={"csrf_token": csrf(page.text), "action": "lock", "reason": "lock"})
    assert web_refused.status_code == 409 and pid in web_refused.text

    investigator = staff_client(server, "inv.lock", "investigator")
    form = investigator.get(f"/participants/{pid}/sign", params={"scope": "casebook"})
    signed = investigator.post(f"/participants/{pid}/sign", data={
        "csrf_token": csrf(form.text), "scope": "casebook", "username": "inv.lock",
        "password": "sign-off-test-password-1"})
    assert signed.status_code == 302, signed.text
    assert 'id="all-clear"' in dm.get("/lock").text

    done = cli(server, "lock", "study", "--reason", "database lock")
    assert done.returncode == 0, done.stderr
    held = site.answer(70)
    report = site.engine.sync()
    (refusal,) = [r for r in report.rejected if r["record_id"] == held]
    assert refusal["code"] == "study.locked"
    assert cli(server, "unlock", "study", "--reason", "reopened for a query").returncode == 0
    assert [a for a, *_ in _actions(server, "study.")] == ["study.lock", "study.unlock"]
    assert _actions(server, "study.unlock")[0][2] == "reopened for a query"


def _as(client, path: str, **form: str):  # type: ignore[no-untyped-def]
    token = client.get("/api/v1/admin/session").json()["csrf_token"]
    return client.post(path, data={**form, "csrf_token": token})


def test_a_frozen_participant_is_still_queried_and_verified_a_locked_study_is_not(tmp_path: Path,
                                                                                 server: ThreadServer) -> None:
    """A freeze stops changes of the data, not their review: the monitor still raises, closes queries and marks
    SDV. Once the database is locked no query step, SDV mark or rule pass changes anything (StudyLocked)."""
    from server.services.query_rules import run_rules
    from server.storage.tables import queries as data_queries

    site = kiosk_with_participant(tmp_path, server)
    pid = site.participant_id
    with server.ctx.engine.connect() as conn:
        rid, body = conn.execute(select(records.c.record_id, records.c.body).where(
            records.c.record_id == site.first)).first()  # the baseline VAS
    item = next(iter(json.loads(body)["data"]))
    assert cli(server, "lock", "participant", pid, "--reason", "final review").returncode == 0
    monitor = staff_client(server, "mon.frozen", "monitor")
    raised = _as(monitor, f"/records/{rid}/queries", field=item, message="Is 40 mm on the paper too?")
    assert raised.status_code == 302, raised.text
    qid = raised.headers["location"].rstrip("/").split("/")[-1]
    assert _as(monitor, f"/queries/{qid}", step="close", message="").status_code == 302
    assert _as(monitor, f"/records/{rid}/verify", revision="1").status_code == 302
    investigator = staff_client(server, "inv.frozen", "investigator")
    form = investigator.get(f"/participants/{pid}/sign", params={"scope": "casebook"})
    assert investigator.post(f"/participants/{pid}/sign", data={
        "csrf_token": csrf(form.text), "scope": "casebook", "username": "inv.frozen",
        "password": "sign-off-test-password-1"}).status_code == 302
    done = cli(server, "lock", "study", "--reason", "database lock")
    assert done.returncode == 0, done.stdout + done.stderr

    refused = _as(monitor, f"/records/{rid}/queries", field=item, message="One more question")
    assert refused.status_code == 409 and "locked" in refused.text and "data query" in refused.text
    reopen = _as(monitor, f"/queries/{qid}", step="reopen", message="again")
    assert reopen.status_code == 409 and "locked" in reopen.text
    sdv = _as(monitor, f"/records/{rid}/verify", revision="1")
    assert sdv.status_code == 409 and "source data verification" in sdv.text
    assert run_rules(server.ctx.engine, server.ctx.study)[0].skipped
    with server.ctx.engine.connect() as conn:
        states = conn.execute(select(data_queries.c.state)).scalars().all()
    assert states == ["closed"]
    assert [a for a, *_ in _actions(server, "query.")] == ["query.raise", "query.close"]


def test_the_study_lock_waits_for_a_screen_failures_casebook_signature(tmp_path: Path,
                                                                       server: ThreadServer) -> None:
    """Issue 19 point 5 with point 4: 'every casebook signed' counts the casebooks of screen failures too (they are
    written for every participant, screen failures included), so `lock study` lists an unsigned one as open."""
    from tests.integration.signoff_support import screen_failure

    site = kiosk_with_participant(tmp_path, server)
    station, engine, failed = screen_failure(tmp_path, server)
    investigator = staff_client(server, "inv.sflock", "investigator")
    password = "sign-off-test-password-1"
    form = investigator.get(f"/participants/{site.participant_id}/sign", params={"scope": "casebook"})
    assert investigator.post(f"/participants/{site.participant_id}/sign", data={
        "csrf_token": csrf(form.text), "scope": "casebook", "username": "inv.sflock",
        "password": password}).status_code == 302
    refused = cli(server, "lock", "study", "--reason", "database lock")
    assert refused.returncode == 2, refused.stdout
    assert f"open: casebook_unsigned\t{failed}" in refused.stdout
    assert site.participant_id not in refused.stdout
    dm = staff_client(server, "dm.sflock", "data_manager")
    page = dm.get("/lock").text
    assert 'data-kind="casebook_unsigned"' in page and failed in page

    form = investigator.get(f"/participants/{failed}/sign", params={"scope": "casebook"})
    assert investigator.post(f"/participants/{failed}/sign", data={
        "csrf_token": csrf(form.text), "scope": "casebook", "password": password}).status_code == 302
    assert 'id="all-clear"' in dm.get("/lock").text
    done = cli(server, "lock", "study", "--reason", "database lock")
    assert done.returncode == 0, done.stderr
    engine.close()
    station.store.close()


def test_the_study_lock_waits_for_people_screened_eligible_but_never_randomised(tmp_path: Path,
                                                                                server: ThreadServer) -> None:
    """Someone screened eligible who never came back to be randomised (or is still pending) has a casebook like a
    screen failure: the lock checklist lists it as unsigned, naming the outcome, and an investigator can sign it,
    so such a person can neither be forgotten at lock nor block it forever."""
    from tests.factories import screen_participant
    from tests.integration.signoff_support import enrolled_station

    station, engine = enrolled_station(tmp_path / "screening", server, label="screening kiosk")
    waiting = screen_participant(station)               # eligible, never randomised
    assert not engine.sync().rejected
    refused = cli(server, "lock", "study", "--reason", "database lock")
    assert refused.returncode == 2, refused.stdout
    assert f"open: casebook_unsigned\t{waiting}" in refused.stdout and "eligible" in refused.stdout

    investigator = staff_client(server, "inv.eligible", "investigator")
    form = investigator.get(f"/participants/{waiting}/sign", params={"scope": "casebook"})
    assert form.status_code == 200, form.text
    signed = investigator.post(f"/participants/{waiting}/sign", data={
        "csrf_token": csrf(form.text), "scope": "casebook", "username": "inv.eligible",
        "password": "sign-off-test-password-1"})
    assert signed.status_code == 302, signed.text
    done = cli(server, "lock", "study", "--reason", "database lock")
    assert done.returncode == 0, done.stdout + done.stderr
    engine.close()
    station.store.close()
