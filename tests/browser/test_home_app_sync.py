"""The home diary app offline and through a bad network (issue 24 point 5): real Chromium as a phone, a real
server over HTTP, the server's database read back. An entry made offline survives a reload, is sent once when
the phone is online again, and a sync cut mid-request or mid-answer is sent again and stored exactly once."""

from __future__ import annotations

import re
import time
import uuid

import httpx
from playwright.sync_api import Browser

from server.storage import participants
from server.storage.engine import reading
from shared.records import ENVELOPE_FIELDS, record_hash
from tests.browser.home_app_steps import (
    DOSE_TIME,
    MISSED,
    activate,
    app_code,
    enter_today,
    fill_dosing,
    has_home_entries,
    open_daily_diary,
    participant_with_arm,
    phone,
    save,
    stored_revisions,
    unlock,
    wait_synced,
)
from tests.fault_proxy import FaultProxy
from tests.live_server import ThreadServer


def _dosing_id(server: ThreadServer) -> str:
    instrument = server.ctx.study.instrument_with_role("home_dosing")
    assert instrument is not None, "the study file names no home dosing diary"
    return instrument.id


def test_an_entry_made_offline_survives_a_reload_and_is_synced_exactly_once(browser: Browser,
                                                                            home_server: ThreadServer) -> None:
    pid = participant_with_arm(home_server)
    dosing = _dosing_id(home_server)
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, pid, cli=True))
        wait_synced(page)
        page.context.set_offline(True)
        enter_today(page)
        page.wait_for_selector("#status[data-waiting='1'][data-phase=offline]", state="attached")

        page.reload()          # offline: the service worker serves the app shell from its cache
        unlock(page)
        assert page.locator("#today-state").get_attribute("class") == "done"
        page.wait_for_selector("#status[data-waiting='1']", state="attached")   # the sync line is drawn async
        assert stored_revisions(home_server, pid, dosing) == []

        page.context.set_offline(False)   # the browser's online event sends the outbox
        wait_synced(page)
        stored = stored_revisions(home_server, pid, dosing)
        assert len(stored) == 1
        doses = stored[0]["data"]["doses"]
        first, *others = sorted(doses.items(), key=lambda kv: "time_taken" not in kv[1])
        assert first[1] == {"taken": True, "time_taken": DOSE_TIME}
        assert all(v == {"taken": False, "missed_reason": MISSED} for _, v in others)
        assert stored[0]["entered_by"] == "participant" and stored[0]["visit_id"] is None

        page.reload()          # online again: nothing is sent twice
        unlock(page)
        wait_synced(page)
        assert len(stored_revisions(home_server, pid, dosing)) == 1
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_sync_cut_mid_request_and_mid_answer_is_sent_again_and_stored_once(browser: Browser,
                                                                             home_server: ThreadServer) -> None:
    pid = participant_with_arm(home_server)
    dosing = _dosing_id(home_server)
    proxy = FaultProxy(home_server.port)   # the app itself is served through the proxy: every call crosses it
    try:
        with phone(browser) as page:
            activate(page, proxy.url, app_code(home_server, pid))
            wait_synced(page)
            proxy.cut(request_at=180)          # the sync request dies in its headers: the server sees nothing
            enter_today(page)
            page.wait_for_selector("#status[data-phase=retry]", state="attached")
            assert proxy.cuts == 1 and stored_revisions(home_server, pid, dosing) == []

            proxy.cut(response_at=40)          # the next try is stored, but its answer is cut in the status line
            deadline = time.monotonic() + 30
            while proxy.cuts < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proxy.cuts == 2 and len(stored_revisions(home_server, pid, dosing)) == 1
            wait_synced(page)                  # sent a third time: already_stored counts as acknowledged
            assert proxy.cuts == 2
            stored = stored_revisions(home_server, pid, dosing)
            assert len(stored) == 1
            assert stored[0]["data"]["doses"]
    finally:
        proxy.close()


def test_a_change_of_a_days_entry_is_its_next_revision_with_the_reason(browser: Browser,
                                                                      home_server: ThreadServer) -> None:
    pid = participant_with_arm(home_server)
    dosing = _dosing_id(home_server)
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, pid))
        enter_today(page)
        wait_synced(page)
        page.locator(".day.done button").click()             # today's line opens the entry made
        page.wait_for_selector(".diary-form")
        assert page.locator("section.drug input[type=time]").first.input_value() == DOSE_TIME
        page.locator("section.drug input[type=time]").first.fill("09:05")
        save(page)
        assert page.locator(".field .error:not([hidden])").count() == 1   # the reason is asked for
        page.get_by_label("Why are you changing this entry?").fill("I wrote the wrong time")
        save(page)
        page.wait_for_selector("#today-state.done")
        wait_synced(page)
    stored = stored_revisions(home_server, pid, dosing)
    assert [r["revision"] for r in stored] == [1, 2]
    assert stored[0]["record_id"] == stored[1]["record_id"]
    assert stored[1]["correction_reason"] == "I wrote the wrong time"
    assert DOSE_TIME not in str(stored[1]["data"]) and "09:05" in str(stored[1]["data"])


def test_the_apps_credential_cannot_write_another_participants_diary(browser: Browser,
                                                                     home_server: ThreadServer) -> None:
    pid = participant_with_arm(home_server)
    dosing = _dosing_id(home_server)
    with reading(home_server.ctx.engine) as conn:
        people = participants.every_participant_id(conn)
    other = next(p for p in people if p != pid and not has_home_entries(home_server, p))
    token: dict[str, str] = {}
    with phone(browser) as page:
        page.on("request", lambda r: token.update(value=r.headers["authorization"])
                if r.url.endswith("/api/v1/sync") else None)
        activate(page, home_server.url, app_code(home_server, pid))
        enter_today(page)
        wait_synced(page)
    [own] = stored_revisions(home_server, pid, dosing)
    envelope = {f: own[f] for f in ENVELOPE_FIELDS} | {"record_id": str(uuid.uuid4()), "participant_id": other}
    answer = httpx.post(f"{home_server.url}/api/v1/sync", headers={"Authorization": token["value"]}, timeout=30,
                        json={"protocol_version": 1, "study_id": own["study_id"], "study_version": own["study_version"],
                              "corrections_cursor": 0,
                              "records": [{"record": envelope, "content_hash": record_hash(envelope)}]})
    assert answer.status_code == 200
    [result] = answer.json()["results"]
    assert result["status"] == "rejected" and result["code"] == "app.participant_mismatch"
    assert stored_revisions(home_server, other, dosing) == []


def test_an_entry_the_server_refuses_leaves_the_outbox_and_stays_named_on_the_phone(
        browser: Browser, home_server: ThreadServer) -> None:
    """What the phone cannot know is the server's to refuse: a second phone entered today after this one read
    its config (the phone checks the dates itself, test_a_date_outside_the_diary_is_refused_beside_the_field)."""
    pid = participant_with_arm(home_server)
    with phone(browser) as page, phone(browser) as other:
        activate(page, home_server.url, app_code(home_server, pid))
        activate(other, home_server.url, app_code(home_server, pid))
        enter_today(other)
        wait_synced(other)
        open_daily_diary(page)    # this phone's config does not know the other phone's entry
        fill_dosing(page)
        save(page)
        wait_synced(page)
        refused = page.wait_for_selector("p.refused")    # the home screen is drawn again once the answer is in
        code = re.search(r"\(([a-z_]+\.[a-z_.]+)\)", refused.inner_text())   # the server's refusal code
        assert code and code.group(1) == "record.already_submitted" and page.locator("p.refused").count() == 1
        page.reload()
        unlock(page)
        assert code.group(1) in page.locator("p.refused").inner_text()
        wait_synced(page)
    assert len(stored_revisions(home_server, pid, _dosing_id(home_server))) == 1
