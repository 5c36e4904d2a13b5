"""The home diary app's screens in real Chromium as a 360 x 640 phone (issue 24 points 2-5): installable (manifest,
icons, service worker), the record hash the same as shared/, errors beside the field in the participant's
language, missed days shown, wrong PINs limited, the reminder, and WCAG 2.1 AA (axe-core) on every screen in
Chinese and English."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from server.storage import participants
from server.storage.engine import reading
from tests.browser.home_app_steps import (
    PIN,
    activate,
    app_code,
    app_url,
    enter_today,
    fill_dosing,
    open_daily_diary,
    participant_with_arm,
    phone,
    save,
    unlock,
)
from tests.live_server import ThreadServer

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def test_errors_are_shown_beside_their_field_in_the_participants_language(browser: Browser,
                                                                          home_server: ThreadServer) -> None:
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        page.wait_for_selector("#status[data-phase=done]", state="attached")
        page.click("#language")
        page.wait_for_selector("#status:has-text('全部已发送。')", state="attached")   # the sync line follows too
        open_daily_diary(page)
        save(page)
        errors = page.locator(".drug .field:not([hidden]) > .error:not([hidden])")
        assert errors.count() == page.locator("section.drug").count() >= 1
        assert set(errors.all_inner_texts()) == {"请回答此问题。"}
        described = page.locator("section.drug fieldset").first.get_attribute("aria-describedby")
        assert page.locator(f"#{described}").is_visible()
        page.locator("section.drug").first.locator("input[value=true]").check()
        save(page)
        time_error = page.locator("section.drug").first.locator(".field:not([hidden]) .error:not([hidden])")
        assert time_error.count() == 1 and "请" in time_error.inner_text()
        assert page.locator("#today-state").count() == 0   # nothing saved
        assert "[object" not in page.inner_text("main") and "undefined" not in page.inner_text("main")
        page.click("#language")   # the answers typed stay, the errors follow the language at the next save
        save(page)
        assert "Please" in page.locator(".error:not([hidden])").first.inner_text()


def test_a_date_outside_the_diary_is_refused_beside_the_field(browser: Browser, home_server: ThreadServer) -> None:
    """The server's date rules (home.diary_date_too_early, home.diary_date_future) run on the phone with the
    config's dates: a typed date the picker would not offer is named beside the field in zh/en, nothing saved."""
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        open_daily_diary(page)
        drugs = page.locator("section.drug")   # the dosing question once per drug, the drug named once
        assert page.inner_text("main").count("Did you take this medicine on this day?") == drugs.count() >= 1
        for drug in drugs.all():
            assert drug.inner_text().count(drug.locator("h3").inner_text()) == 1
        date_input = page.locator("input[type=date]")
        earliest, latest = date_input.get_attribute("min"), date_input.get_attribute("max")
        assert earliest and latest
        fill_dosing(page)
        date_field_error = page.locator(".field:has(input[type=date]) .error:not([hidden])")
        date_input.fill((date.fromisoformat(earliest) - timedelta(days=1)).isoformat())
        save(page)
        assert date_field_error.inner_text() == f"The date cannot be before {earliest}, the first day of your diary."
        page.click("#language")
        save(page)
        assert date_field_error.inner_text() == f"日期不能早于 {earliest}（您的日志的第一天）。"
        date_input.fill((date.fromisoformat(latest) + timedelta(days=1)).isoformat())
        save(page)
        assert date_field_error.inner_text() == f"日期不能晚于 {latest}。"
        assert page.locator("#today-state").count() == 0   # still the form: nothing saved
        stored = page.evaluate("""async () => {
            const { openDB } = await import("/app/vendor/idb-8.0.4/index.js");
            const db = await openDB("trialpro-home");
            return [await db.count("entries"), await db.count("outbox")];
        }""")
        assert stored == [0, 0]


def test_days_entered_and_days_missed_are_shown(browser: Browser, home_server: ThreadServer) -> None:
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        enter_today(page)
        first_day = page.locator(".day").first.get_attribute("data-date")
        assert page.locator(".day").first.get_attribute("data-state") == "done"
        now = page.evaluate("Date.now()")
        page.clock.install(time=now / 1000 + timedelta(days=3).total_seconds())   # three days later
        page.reload()
        unlock(page)
        states = {d.get_attribute("data-date"): d.get_attribute("data-state") for d in page.locator(".day").all()}
        assert states[first_day] == "done"
        assert sorted(states.values()) == ["done", "missed", "missed", "today"]
        assert page.locator("#today-state").get_attribute("class") == "due"


def test_five_wrong_pins_erase_the_diary_from_the_phone(browser: Browser, home_server: ThreadServer) -> None:
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        page.locator(".tools button").last.click()   # lock
        for left in (4, 3, 2, 1):
            page.fill("input[name=pin]", "000000")
            page.click("button.primary")
            page.wait_for_selector(f"text={left} tries left")
        page.reload()                                 # a reload does not reset the count
        page.fill("input[name=pin]", PIN[::-1])
        page.click("button.primary")
        page.wait_for_selector("text=Diary locked")
        left_behind = page.evaluate("""async () => {
            const { openDB } = await import("/app/vendor/idb-8.0.4/index.js");
            const db = await openDB("trialpro-home");
            return Promise.all(["device", "vault", "entries", "outbox"].map((s) => db.count(s)));
        }""")
        assert left_behind == [0, 0, 0, 0]
        page.reload()
        assert page.locator("h2").inner_text() == "Diary locked"
        results: dict[str, list[str]] = {}
        _axe(page, "en locked", results)
        page.click("#language")
        page.wait_for_selector("h2:has-text('日志已锁定')")
        _axe(page, "zh locked", results)
        assert results == {"en locked": [], "zh locked": []}


def test_the_reminder_notifies_through_the_service_worker(browser: Browser, home_server: ThreadServer) -> None:
    with phone(browser, permissions=["notifications"]) as page:
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        page.locator(".tools button").nth(1).click()
        page.fill("input[name=reminder]", "00:00")   # due at once (today's diary is not done)
        page.locator(".actions button.primary").click()
        page.wait_for_selector("p.note:not(:empty)")
        shown = page.evaluate("""async () => {
            const reg = await navigator.serviceWorker.ready;
            for (let i = 0; i < 50; i++) {
                const found = await reg.getNotifications({ tag: "trialpro-diary-reminder" });
                if (found.length) return found.map((n) => [n.title, n.body]);
                await new Promise((r) => setTimeout(r, 100));
            }
            return [];
        }""")
        assert shown == [["Study diary", "Time to fill in today's diary."]]


def test_a_locked_diary_still_reminds_and_the_page_throws_nothing(browser: Browser,
                                                                  home_server: ThreadServer) -> None:
    """The reminder needs no data key: Lock forgets the config, the half-minute check reads the site's time zone
    and today's state from the clear settings (it used to read the config and throw every 30 s once locked)."""
    with phone(browser, permissions=["notifications"]) as page:
        pid = participant_with_arm(home_server)
        activate(page, home_server.url, app_code(home_server, pid))
        with reading(home_server.ctx.engine) as conn:
            zone = home_server.ctx.study.site(participants.details(conn, pid)["site_id"]).timezone
        ten = datetime.now(ZoneInfo(zone)).replace(hour=10, minute=0, second=0, microsecond=0)
        page.clock.install(time=ten.timestamp())    # today at the site, 10:00
        page.reload()
        unlock(page)
        page.locator(".tools button").nth(1).click()
        page.fill("input[name=reminder]", "10:01")   # not due yet
        page.locator(".actions button.primary").click()
        page.wait_for_selector("p.note:not(:empty)")
        page.locator("main > button").last.click()   # back home
        page.locator(".tools button").last.click()   # lock
        page.wait_for_selector("input[name=pin]")
        assert _notifications(page, tries=1) == []
        page.clock.run_for("02:00")                   # 10:02, four half-minute checks later, still locked
        assert _notifications(page) == [["Study diary", "Time to fill in today's diary."]]
        assert page.locator("input[name=pin]").is_visible()
        assert page.js_errors == []  # type: ignore[attr-defined]


def _notifications(page: Page, tries: int = 50) -> list[list[str]]:
    return page.evaluate("""async (tries) => {
        const reg = await navigator.serviceWorker.ready;
        for (let i = 0; i < tries; i++) {
            const found = await reg.getNotifications({ tag: "trialpro-diary-reminder" });
            if (found.length) return found.map((n) => [n.title, n.body]);
            await new Promise((r) => setTimeout(r, 100));
        }
        return [];
    }""", tries)


def _axe(page: Page, screen: str, results: dict[str, list[str]]) -> None:
    found = Axe().run(page, options=WCAG_21_AA)
    results[screen] = [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found.response["violations"]]


def _every_screen(page: Page, url: str, code: str, language: str) -> dict[str, list[str]]:
    results: dict[str, list[str]] = {}
    page.goto(f"{app_url(url)}/app/#activate={code}")
    if language == "zh":
        page.click("#language")
    _axe(page, f"{language} activation", results)
    page.click("button.primary")                      # no PIN: the error beside the field
    _axe(page, f"{language} activation with an error", results)
    page.fill("input[name=pin]", PIN)
    page.fill("input[name=pin-again]", PIN)
    page.click("button.primary")
    page.wait_for_selector("#today-state")
    _axe(page, f"{language} home", results)
    if language == "zh":   # every word of the screen follows the language, the sync line at the bottom too
        page.wait_for_selector("#status[data-phase=done]", state="attached")
        assert page.locator("#status").inner_text() == "全部已发送。"
    open_daily_diary(page)
    save(page)
    _axe(page, f"{language} dosing diary with errors", results)
    page.locator(".actions button").last.click()
    page.locator("main button.primary").nth(1).click()
    page.wait_for_selector(".diary-form")
    _axe(page, f"{language} symptoms", results)
    page.locator(".actions button").last.click()
    page.locator(".tools button").nth(1).click()
    page.wait_for_selector("input[name=reminder]")
    _axe(page, f"{language} reminder", results)
    page.locator("main > button").last.click()
    page.locator(".tools button").last.click()
    page.wait_for_selector("input[name=pin]")
    page.fill("input[name=pin]", "000000")
    page.click("button.primary")
    page.wait_for_selector(".error:not([hidden])")
    _axe(page, f"{language} unlock with a wrong PIN", results)
    return results


def test_every_screen_meets_wcag_21_aa_in_chinese_and_english(browser: Browser, home_server: ThreadServer) -> None:
    pid = participant_with_arm(home_server)
    results: dict[str, list[str]] = {}
    for language in ("en", "zh"):
        with phone(browser) as page:
            results |= _every_screen(page, home_server.url, app_code(home_server, pid), language)
            assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh" else "en")
    assert len(results) == 14
    assert {k: v for k, v in results.items() if v} == {}, json.dumps(results, ensure_ascii=False, indent=1)
