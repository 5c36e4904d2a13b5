"""Data queries and SDV in a real Chromium against the demo server with its job runner: a monitor raises a query
on one field from the record view, marks the revision verified, and sees the query counted on the dashboard."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from server.services.users import add_user
from tests.browser.conftest import sign_in
from tests.factories import FAST_HASHER
from tests.live_server import ThreadServer

PASSWORD = "monitor-browser-password"


def test_a_monitor_raises_a_query_and_verifies_a_record(page: Page, demo_server: ThreadServer,
                                                       artifacts: Path) -> None:
    with demo_server.ctx.engine.begin() as conn:
        add_user(conn, username="mon.web", password=PASSWORD, roles=["monitor"], sites=["PKU"], actor="test",
                 password_hasher=FAST_HASHER)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    url = demo_server.url
    sign_in(page, url, "mon.web", PASSWORD)
    page.goto(f"{url}/participants/PKU-002")
    row = page.locator("table.records tr[data-instrument=patient_global_vas]").first
    row.locator("text=Queries and SDV").click()
    expect(page.locator(".sdv")).to_contain_text("not verified")
    page.select_option("select[name=field]", "activity")
    page.fill("textarea[name=message]", "The paper diary shows another mark: please check.")
    page.click("button:has-text('Raise the query')")
    expect(page.locator("h1 .state")).to_have_text("open")
    expect(page.locator("h1 .sub")).to_contain_text("how active is your disease today?")   # its label, not `activity`
    expect(page.locator("ol.thread")).to_contain_text("The paper diary shows another mark")
    page.click("dd a")                                  # back to the record
    page.click("button:has-text('Mark this revision verified')")
    expect(page.locator(".sdv")).to_contain_text("verified")
    page.goto(f"{url}/dashboard")
    expect(page.locator(".queries-summary")).to_contain_text("unresolved")
    page.click("a.lang")
    expect(page.locator("nav")).to_contain_text("数据质疑")
    page.goto(f"{url}/queries")
    expect(page.locator("table").first).to_contain_text("您今天的疾病活动程度如何")     # the field by its zh label
    out = artifacts / "web"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "20_queries_dashboard_zh.png"), full_page=True)
    assert [p for p in problems if "Content Security Policy" in p or "Refused to" in p] == []
