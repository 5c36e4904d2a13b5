"""Issue 23 points 2 and 3 in a real Chromium: records shown by their instrument's title with their values,
units, scores and history; corrections on a form built from the instrument, errors beside the field, and the
randomisation never editable (refused server-side too). Screenshots: artifacts/web/issue23/.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from shared.study.loader import DEFAULT_STUDY_FILE, load_study
from tests.browser.conftest import sign_in
from tests.live_server import ThreadServer

PID = "PKU-004"


def _record_id(page: Page, url: str, selector: str) -> str:
    page.goto(f"{url}/participants/{PID}")
    rid = page.locator(f"table.records tr{selector}").first.get_attribute("data-record")
    assert rid
    return rid


def test_records_are_shown_by_title_with_values_scores_and_history(page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    sign_in(page, url)
    page.goto(f"{url}/participants/{PID}")
    row = page.locator("table.records tr[data-instrument=patient_global_vas]").first
    expect(row.locator("td.title")).to_have_text("Your disease activity today")
    expect(row.locator("td.values")).to_contain_text(re.compile(r"Patient VAS score: \d+ mm"))
    expect(page.locator("table.records")).not_to_contain_text("instrument_response")
    essdai = page.locator("table.records tr[data-instrument=essdai]").first
    expect(essdai.locator("td.values")).to_contain_text(re.compile(r"ESSDAI score: \d+ \((low|moderate|high)\)"))
    expect(essdai.locator("td.values")).to_contain_text(re.compile(r"Constitutional: \d – \w+ activity"))

    rid = _record_id(page, url, "[data-instrument=essdai]")
    page.goto(f"{url}/records/{rid}")
    expect(page.locator("h1")).to_contain_text("ESSDAI (EULAR Sjögren's syndrome disease activity index)")
    expect(page.locator("#record-values tr[data-field=glandular] th")).to_have_text("Glandular")
    expect(page.locator("#record-values tr[data-field=glandular] td")).to_contain_text("activity")
    expect(page.locator("#record-values tr.score")).to_contain_text("ESSDAI score")
    expect(page.locator("#record-history tr[data-revision='1']")).to_contain_text("first entry")

    page.click("text=中文")
    expect(page.locator("h1")).to_contain_text("ESSDAI（EULAR干燥综合征疾病活动指数）")
    expect(page.locator("#record-values tr[data-field=glandular] th")).to_have_text("腺体")
    expect(page.locator("#record-values tr[data-field=glandular] td")).to_contain_text("活动")
    page.click("text=English")


def test_a_correction_is_made_on_the_instrument_form_with_errors_beside_the_field(
        page: Page, demo_server: ThreadServer, artifacts: Path) -> None:
    url = demo_server.url
    sign_in(page, url)
    vas = _record_id(page, url, "[data-instrument=patient_global_vas]")
    page.goto(f"{url}/records/{vas}/correct")
    box = page.locator("input#f_activity")
    expect(box).to_have_attribute("type", "number")
    expect(box).to_have_attribute("min", "0")
    expect(box).to_have_attribute("max", "100")
    expect(page.locator("tr[data-field=activity] th")).to_contain_text("how active is your disease today")
    page.fill("#f_activity", "140")
    page.fill("textarea[name=reason]", "transcription error")
    page.click("button:has-text('Save the correction')")
    error = page.locator("tr[data-field=activity] .field-error")
    expect(error).to_contain_text("above the allowed range")
    expect(error).to_contain_text("140")
    expect(page.locator("main > .error")).to_have_count(0)          # beside the field, not at the top
    out = artifacts / "web" / "issue23"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "correct_refused_en.png"), full_page=True)

    essdai = _record_id(page, url, "[data-instrument=essdai]")
    page.goto(f"{url}/records/{essdai}/correct")
    radios = page.locator("fieldset#f_glandular input[type=radio]")
    expect(radios).to_have_count(3)
    expect(page.locator("fieldset#f_glandular")).to_contain_text("2 – Moderate activity")
    before = page.locator("p.score").inner_text()
    current = page.locator("fieldset#f_glandular input[type=radio]:checked").get_attribute("value")
    target = "2" if current != "2" else "1"
    page.check(f"fieldset#f_glandular input[value='{target}']")
    page.click("button:has-text('Save the correction')")             # no reason: said beside the reason
    expect(page.locator("#err-reason")).to_contain_text("Give the reason")
    expect(page.locator(f"fieldset#f_glandular input[value='{target}']")).to_be_checked()   # what was sent stays
    page.fill("textarea[name=reason]", "source document says glandular activity " + target)
    page.click("button:has-text('Save the correction')")
    expect(page.locator(".flash")).to_contain_text("revision 2")
    page.goto(f"{url}/records/{essdai}")
    change = page.locator("#record-history tr[data-revision='2'] li[data-field=glandular]")
    expect(change).to_contain_text("Glandular")
    expect(change.locator("ins")).to_contain_text(f"{target} – ")
    expect(page.locator("#record-history tr[data-revision='2']")).to_contain_text("user:demo.admin")
    expect(page.locator("#record-history tr[data-revision='2']")).to_contain_text("source document says")
    assert page.locator("#record-values tr.score").inner_text() != before.split("(")[0]

    ae = _record_id(page, url, "[data-kind=adverse_event]")
    page.goto(f"{url}/records/{ae}/correct")
    expect(page.locator("input#f_onset_date")).to_have_attribute("type", "date")
    expect(page.locator("fieldset#f_serious input[type=radio]")).to_have_count(2)
    expect(page.locator("select#f_outcome option")).not_to_have_count(0)
    expect(page.locator("fieldset#f_causality select")).not_to_have_count(0)
    page.click("a.lang")                                             # the AE's own rules, worded in zh
    page.fill("#f_end_date", "2000-01-01")                           # before any onset of the demo
    page.fill("textarea[name=reason]", "核对原始病历")
    page.click("form:has(textarea[name=reason]) button[type=submit]")
    error = page.locator("#err-end_date")
    expect(error).to_contain_text("结束日期早于发生日期")
    expect(error).not_to_contain_text("before the onset")


def test_the_randomisation_cannot_be_corrected_not_even_by_a_forged_request(
        page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    sign_in(page, url)
    rid = _record_id(page, url, "[data-kind=randomisation]")
    page.goto(f"{url}/records/{rid}/correct")
    expect(page.locator("tr[data-field=arm] input, tr[data-field=arm] select")).to_have_count(0)
    expect(page.locator("#fixed-rules")).to_contain_text("randomisation")
    expect(page.locator("#nothing-editable")).to_be_visible()
    expect(page.locator("button:has-text('Save the correction')")).to_have_count(0)
    arm = page.locator("tr[data-field=arm] td.current").inner_text()
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    other = next(a.code for a in load_study(DEFAULT_STUDY_FILE).arms if a.name != arm.strip())
    forged = page.request.post(f"{url}/records/{rid}/correct", form={
        "csrf_token": token or "", "f_arm": other, "f_randomisation_number": "99", "reason": "wrong arm"})
    assert forged.status == 422
    body = forged.text()
    assert "data.arm: may not be corrected" in body and "data.randomisation_number: may not be corrected" in body
    page.goto(f"{url}/records/{rid}")
    expect(page.locator("#record-history tr")).to_have_count(2)            # header + revision 1: nothing stored


def test_the_audit_entry_of_a_correction_names_the_changed_fields_by_label(
        page: Page, demo_server: ThreadServer, artifacts: Path) -> None:
    """Issue 23 point 4 (review gap): the audit detail of a correction marks the fields it changed, old → new,
    by their label in the page's language, through the display rule every page uses; not two JSON dumps."""
    url = demo_server.url
    sign_in(page, url)
    essdai = _record_id(page, url, "[data-instrument=essdai]")
    page.goto(f"{url}/records/{essdai}/correct")
    current = page.locator("fieldset#f_glandular input[type=radio]:checked").get_attribute("value")
    target = "2" if current != "2" else "1"
    page.check(f"fieldset#f_glandular input[value='{target}']")
    page.fill("textarea[name=reason]", "source document checked")
    page.click("button:has-text('Save the correction')")
    expect(page.locator(".flash")).to_contain_text("revision 2")

    page.goto(f"{url}/audit?q={essdai}%232")
    cell = page.locator("table.audit tr td.changes").first
    change = cell.locator("li[data-field=glandular]")
    expect(change).to_have_count(1)
    expect(cell.locator("li")).to_have_count(1)                            # only what changed is marked
    expect(change.locator(".label")).to_have_text("Glandular")
    expect(change.locator("del")).to_contain_text(f"{current} – ")
    expect(change.locator("ins")).to_contain_text(f"{target} – ")
    expect(cell).to_contain_text(re.compile(r"\d+ other field\(s\) unchanged"))
    expect(cell.locator("details.stored")).not_to_have_attribute("open", "")   # stored values folded away
    assert change.evaluate("e => getComputedStyle(e).wordBreak") == "normal"
    out = artifacts / "web" / "issue23"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "audit_correction_en.png"), full_page=True)

    page.click("text=中文")
    change = page.locator("table.audit tr td.changes li[data-field=glandular]").first
    expect(change.locator(".label")).to_have_text("腺体")
    expect(change.locator("ins")).to_contain_text("活动")
    expect(page.locator("table.audit tr td.changes").first).to_contain_text("本次更正修改的字段")
    page.screenshot(path=str(out / "audit_correction_zh.png"), full_page=True)
    page.click("text=English")
