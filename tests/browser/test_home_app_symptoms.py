"""The phone's symptom report (issue 24 review, point 3) in real Chromium at 360 x 640, in English and Chinese: worded
for the day of the entry (the study file's home symptom instrument, not the clinic checklist's "since your last
visit"); a report naming no symptom is refused beside the first symptom in the participant's language, with the
instrument's own words; one symptom with its severity is saved, synced and stored on the server once."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from tests.browser.home_app_steps import (
    activate,
    app_code,
    participant_with_arm,
    phone,
    save,
    stored_revisions,
    wait_synced,
)
from tests.live_server import ThreadServer


def test_a_symptom_report_names_at_least_one_symptom_and_is_worded_for_the_day(
        browser: Browser, home_server: ThreadServer, tmp_path: Path) -> None:
    study = home_server.ctx.study
    inst = study.instrument_with_role("home_symptoms")
    assert inst is not None and inst.at_least_one is not None and inst.instructions is not None
    pid = participant_with_arm(home_server)
    code = app_code(home_server, pid)
    with phone(browser) as page:
        activate(page, home_server.url, code)
        for n, language in enumerate(("en", "zh")):
            if language == "zh":
                page.click("#language")
            page.locator("main button.primary").nth(1).click()         # report symptoms (when they occur)
            page.wait_for_selector(".diary-form")
            text = page.inner_text("main")
            assert inst.title.in_language(language) in text and inst.instructions.in_language(language) in text
            assert "visit" not in text.lower() and "访视" not in text
            save(page)                                                   # nothing ticked
            first = page.locator(".diary-form fieldset").nth(0).locator("xpath=..")
            error = first.locator(".error:not([hidden])")
            assert error.inner_text() == inst.at_least_one.message.in_language(language)
            assert page.locator(".error:not([hidden])").count() == 1      # one message, beside the first symptom
            page.screenshot(path=str(tmp_path / f"symptoms-{language}.png"), full_page=True)
            page.locator(".diary-form .field:not([hidden]) fieldset").nth(n * 2).locator("input[value=true]").check()
            page.locator(".diary-form .field:not([hidden]) input[value='\"moderate\"']").first.check()
            save(page)
            page.wait_for_selector("#today-state")
            wait_synced(page)
        assert page.js_errors == []  # type: ignore[attr-defined]
    stored = stored_revisions(home_server, pid, inst.id)
    assert len(stored) == 2 and {r["language"] for r in stored} == {"en", "zh"}
    for rec in stored:
        present = [k for k, v in rec["data"].items() if v is True]
        assert len(present) == 1 and rec["data"][present[0].replace("_present", "_severity")] == "moderate"
