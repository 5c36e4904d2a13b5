"""The participant page shows the clinical record of the demo data (issue 18) in a real Chromium, in English and
Chinese: medications with their ATC class, medical history, pregnancy tests and vital signs by visit."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.live_server import ThreadServer


def test_a_newcomer_sees_medications_history_vital_signs_and_pregnancy_tests(
        page: Page, demo_server: ThreadServer, artifacts: Path) -> None:
    url = demo_server.url
    sign_in(page, url)
    page.goto(f"{url}/participants/PKU-002")   # demo participant 2 took a biologic long before screening
    meds = page.locator("table.medications tbody tr")
    expect(meds.first).to_be_visible()
    expect(page.locator("table.medications")).to_contain_text("L01FA")
    expect(page.locator("table.medications")).to_contain_text("Rituximab")
    expect(page.locator("#history")).to_contain_text("Primary Sjogren's syndrome")
    vitals = page.locator("table.vitals")
    expect(vitals.locator("thead")).to_contain_text("Systolic blood pressure (mmHg)")
    expect(vitals.locator("tbody tr").first).to_contain_text("Screening")
    out = artifacts / "web"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "20_participant_clinical_record.png"), full_page=True)
    page.click("header a.lang")
    expect(page.locator("#vitals h2")).to_have_text("生命体征")
    expect(page.locator("table.vitals thead")).to_contain_text("收缩压（mmHg）")
    expect(page.locator("#medications h2")).to_have_text("合并用药")
    page.screenshot(path=str(out / "21_participant_clinical_record_zh.png"), full_page=True)
