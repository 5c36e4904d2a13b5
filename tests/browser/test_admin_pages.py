"""The admin pages in a real Chromium against a real server on 127.0.0.1: the data manager's day, screenshotted.

Screenshots land in artifacts/web/*.png (one per page) for a person to look at.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.live_server import ThreadServer


def _shot(page: Page, artifacts: Path, name: str) -> None:
    out = artifacts / "web"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)


def test_sign_in_find_correct_audit_and_export(page: Page, demo_server: ThreadServer, artifacts: Path) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    url = demo_server.url

    page.goto(f"{url}/dashboard")
    expect(page.locator("h1")).to_have_text("Sign in")           # anonymous: the sign-in form, status 401
    _shot(page, artifacts, "01_signin")
    sign_in(page, url, password="wrong password!!")
    expect(page.locator(".error")).to_contain_text("Wrong user name or password")
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")
    expect(page.locator("#sae-alerts")).to_contain_text("Grade 3")
    total = page.locator("tr.total td.num").first
    expect(total).to_have_text("12")                            # the demo enrols 12 participants
    _shot(page, artifacts, "02_dashboard")

    page.click("nav >> text=Participants")
    _shot(page, artifacts, "03_participants")
    page.fill("input[name=q]", "PKU-002")
    page.click("button:has-text('Search')")
    expect(page.locator("h1")).to_contain_text("PKU-002")
    expect(page.locator("svg[aria-label^='Patient global VAS'] circle")).not_to_have_count(0)
    _shot(page, artifacts, "04_participant")

    row = page.locator("table.records tr[data-instrument=patient_global_vas]").first
    record_id = row.get_attribute("data-record")
    row.locator("text=Correct").click()
    old = page.input_value("#f_activity")
    new = "7" if old != "7" else "8"
    page.fill("#f_activity", new)
    page.fill("textarea[name=reason]", "transcription error: paper source says " + new)
    _shot(page, artifacts, "05_correct")
    page.click("button:has-text('Save the correction')")
    expect(page.locator(".flash")).to_contain_text("revision 2")
    expect(page.locator(f"tr[data-record='{record_id}'] td").nth(4)).to_contain_text("2")

    page.click("nav >> text=Audit trail")
    page.fill("input[name=q]", record_id or "")
    page.click("button:has-text('Search')")
    entry = page.locator("table.audit tbody tr", has_text="instrument_response.correct").first
    expect(entry).to_contain_text("user:demo.admin")
    expect(entry).to_contain_text("transcription error")
    change = entry.locator("td.changes li[data-field=activity]")      # the changed field by its label, old → new
    expect(change.locator("del")).to_have_text(re.compile(rf"^{old}\b"))
    expect(change.locator("ins")).to_have_text(re.compile(rf"^{new}\b"))
    def field_values(cell: str) -> dict[str, str]:   # the stored values, folded away: a field → value list
        return dict(zip(entry.locator(f"details.stored .{cell} dl.fields dt").all_text_contents(),
                        entry.locator(f"details.stored .{cell} dl.fields dd").all_text_contents(), strict=True))
    assert field_values("old")["activity"] == old and field_values("new")["activity"] == new
    page.click("button:has-text('Verify the chain now')")
    expect(page.locator("#verify-result")).to_contain_text("The audit chain holds.")
    _shot(page, artifacts, "06_audit")

    page.click("nav >> text=Adverse events")
    page.check("input[name=serious]")
    page.click("button:has-text('Apply')")
    expect(page.locator("#ae-table tbody tr")).not_to_have_count(0)
    for serious_cell in page.locator("#ae-table tbody tr td.serious").all_inner_texts():
        assert serious_cell == "yes"
    _shot(page, artifacts, "07_adverse_events")

    page.click("nav >> text=Devices")
    page.click("button:has-text('Create code')")
    expect(page.locator("#new-code")).to_be_visible()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}",
                        page.locator("#new-code").inner_text().strip())   # typable Crockford code
    _shot(page, artifacts, "08_devices")

    page.click("nav >> text=Accounts")
    expect(page.locator("#users")).to_contain_text("demo.admin")
    _shot(page, artifacts, "09_accounts")

    page.click("nav >> text=Exports")
    _shot(page, artifacts, "10_exports")
    page.select_option("select[name=format]", "csv")
    page.click("#download")                                   # queued; the job runner writes it
    expect(page.locator("#download")).to_be_disabled()
    expect(page.locator("tr.export-job a.download").first).to_be_visible(timeout=60_000)
    expect(page.locator("#download")).to_be_enabled()
    _shot(page, artifacts, "10b_export_ready")
    with page.expect_download() as dl:
        page.locator("tr.export-job a.download").first.click()
    data = Path(dl.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        vas_name = next(n for n in names if n.endswith("/patient_global_vas.csv"))
        rows = list(csv.DictReader(io.StringIO(zf.read(vas_name).decode("utf-8-sig"))))
    assert any(n.endswith("/participants.csv") for n in names)
    corrected = [r for r in rows if r["record_id"] == record_id]
    assert [(r["revision"], r["activity"]) for r in corrected] == [("2", new)]

    page.click("header a.lang")
    expect(page.locator("nav")).to_contain_text("研究概览")
    page.click("nav >> text=研究概览")
    _shot(page, artifacts, "11_dashboard_zh")
    page.goto(f"{url}/participants/PKU-002")
    _shot(page, artifacts, "12_participant_zh")
    blocked = [p for p in problems if "Content Security Policy" in p or "Refused to" in p]
    assert not blocked, blocked                                  # the pages work under their own CSP
