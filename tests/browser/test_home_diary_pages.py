"""Missed home diary days on the web (issue 24, point 4) in a real Chromium: the dashboard counts the participants
with a missed day, the count links to exactly them (``/participants?status=missed_diary_days``), and each one's
page lists the missed dates, the same dates the rule gives (``server.services.home_diary``).

The demo (as of thirty days ago, like the dashboard test's) gives two participants a phone whose diary skips every
sixth day, and nothing after the demo's day: both have missed days today."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from server.services import dashboard as board
from server.services.home_diary import missed_by_participant
from server.storage import dashboard as stored
from server.storage.engine import reading
from tests.browser.conftest import sign_in
from tests.browser.test_dashboard_counts import _listed, aged_demo  # noqa: F401 - the fixture
from tests.live_server import ThreadServer


def _missed(server: ThreadServer) -> dict[str, list[str]]:
    ctx = server.ctx
    with reading(ctx.engine) as conn:
        people = stored.participants_of(conn, [s.id for s in ctx.study.sites])
        recs = board.current_records_of(conn, [p["participant_id"] for p in people])
        found = missed_by_participant(conn, ctx.study, people, recs)
    return {pid: [d.isoformat() for d in days] for pid, days in found.items() if days}


def test_the_missed_diary_days_count_leads_to_the_participants_and_their_dates(
        page: Page, aged_demo: ThreadServer, artifacts: Path) -> None:  # noqa: F811
    url = aged_demo.url
    expected = _missed(aged_demo)
    assert len(expected) == 2, expected
    sign_in(page, url)
    link = page.locator("#missed-diary-days a.count")
    expect(link).to_have_attribute("data-count", "2")
    link.click()
    expect(page).to_have_url(f"{url}/participants?status=missed_diary_days")
    expect(page.locator("#cohort")).to_contain_text("(2)")
    assert sorted(_listed(page)) == sorted(expected)
    out = artifacts / "web" / "issue24"
    out.mkdir(parents=True, exist_ok=True)
    for pid, days in expected.items():
        page.goto(f"{url}/participants/{pid}")
        section = page.locator("#home-diary")
        expect(section).to_contain_text(f"Missed diary days ({len(days)})")
        assert section.locator("ul.missed-days time").evaluate_all(
            "ts => ts.map(t => t.getAttribute('datetime'))") == days
        page.screenshot(path=str(out / f"participant_{pid}_home_diary.png"), full_page=True)


def test_a_participant_without_a_phone_has_no_home_diary_section(page: Page,
                                                                 aged_demo: ThreadServer) -> None:  # noqa: F811
    url = aged_demo.url
    with_phone = _missed(aged_demo)
    sign_in(page, url)
    page.goto(f"{url}/participants")
    others = [pid for pid in _listed(page) if pid not in with_phone]
    assert others
    page.goto(f"{url}/participants/{others[0]}")
    expect(page.locator("#dosing")).to_be_visible()
    expect(page.locator("#home-diary")).to_have_count(0)
