"""The admin tables in a real Chromium (issue 23, points 4 and 6): sorted, filtered and paged by the server from the
query string, a bad value a clear 400 page, the audit values a readable field → value list, and a layout that
uses a wide screen yet never scrolls sideways at 1366×768. Screenshots: artifacts/web/tables/*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import layout_only, sign_in
from tests.live_server import ThreadServer

LISTS = ("/participants", "/adverse-events", "/audit", "/queries?state=all", "/devices")


def _column(page: Page, table: str, n: int) -> list[str]:
    return [c.strip() for c in page.locator(f"{table} tbody tr td:nth-child({n})").all_inner_texts()]


def test_the_server_sorts_filters_and_pages_every_list(page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    sign_in(page, url)

    page.goto(f"{url}/participants")
    ids = _column(page, "#participants", 1)
    assert ids == sorted(ids) and len(ids) == 12
    page.click("#participants th >> text=Participant")             # sorted ascending: a click turns it round
    expect(page).to_have_url(f"{url}/participants?sort=participant_id&dir=desc")
    assert _column(page, "#participants", 1) == sorted(ids, reverse=True)
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Participant")
    page.fill("input[name=q]", "PKU-0")
    page.click("button:has-text('Search')")
    assert "sort=participant_id" in page.url and "dir=desc" in page.url  # a search keeps the sort
    assert _column(page, "#participants", 1) == sorted(ids, reverse=True)
    page.fill("input[name=q]", "")
    page.select_option("#filter-status", "discontinued")           # filters on the list itself, not only links
    page.click("button:has-text('Search')")
    expect(page.locator("#cohort")).to_have_attribute("data-status", "discontinued")
    assert len(_column(page, "#participants", 1)) == 2              # the demo's two discontinued participants
    page.goto(f"{url}/participants")
    arm = page.locator("#filter-arm option").nth(1)
    name = arm.inner_text()
    page.select_option("#filter-arm", arm.get_attribute("value"))
    page.click("button:has-text('Search')")
    arms = _column(page, "#participants", 3)
    assert arms and set(arms) == {name}

    page.goto(f"{url}/adverse-events?sort=grade&dir=desc")
    grades = [int(g) for g in _column(page, "#ae-table", 5)]
    assert grades and grades == sorted(grades, reverse=True)
    page.check("input[name=serious]")
    page.click("button:has-text('Apply')")
    assert "sort=grade" in page.url and "serious=1" in page.url
    assert set(_column(page, "#ae-table", 6)) == {"yes"}

    page.goto(f"{url}/audit?per_page=25")                                 # newest first, 25 a page
    first = [int(s) for s in _column(page, "table.audit", 1)]
    assert len(first) == 25 and first == sorted(first, reverse=True)
    page.click("nav.pager a[rel=next]")
    expect(page.locator("nav.pager .at")).to_have_text("Page 2")
    second = [int(s) for s in _column(page, "table.audit", 1)]
    assert second and max(second) < min(first)
    page.goto(f"{url}/audit?sort=actor")
    actors = _column(page, "table.audit", 3)
    assert actors == sorted(actors)

    page.goto(f"{url}/queries?state=all&sort=field")
    cells = page.locator("table.queries tbody tr td:nth-child(3)")   # shown by label, sorted by stored name
    fields = [c.get_attribute("data-field") or c.inner_text().strip() for c in cells.all()]
    assert fields and fields == sorted(fields)
    page.goto(f"{url}/devices?sort=label&dir=desc")
    labels = _column(page, "table", 3)
    assert labels == sorted(labels, reverse=True)


def test_a_bad_sort_page_or_size_is_a_clear_400_page(page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    sign_in(page, url)
    for path, says in (("/participants?sort=password_hash", "sort: 'password_hash' is not a column this table sorts"),
                       ("/adverse-events?dir=sideways", "dir: 'sideways' is not allowed; write asc or desc"),
                       ("/audit?page=0", "page: '0' is not allowed; write a whole number from 1"),
                       ("/queries?per_page=1000000", "per_page: '1000000' is not allowed; choose one of 25, 50"),
                       ("/devices?page=abc", "page: 'abc' is not allowed"),
                       ("/queries?state=lost", "state: 'lost' is not allowed"),
                       ("/adverse-events?serious=maybe", "serious: 'maybe' is not a filter value")):
        response = page.goto(f"{url}{path}")
        assert response is not None and response.status == 400, path
        expect(page.locator("p.error")).to_contain_text(says)


@layout_only
def test_the_audit_values_read_as_fields_without_breaking_words(page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    sign_in(page, url)
    page.goto(f"{url}/audit?q=instrument_response")
    dd = page.locator("table.audit td.new dl.fields dd").first
    expect(dd).to_be_visible()
    style = dd.evaluate("e => { const s = getComputedStyle(e); return [s.wordBreak, s.overflowWrap]; }")
    assert style == ["normal", "break-word"]                              # a long value wraps, a word never splits
    assert page.locator("table.audit td.new dl.fields dt").count() > 1


@layout_only
def test_audit_codes_wrap_only_between_their_parts_at_1366(browser: Browser, demo_server: ThreadServer) -> None:
    """An action like instrument_response.correct wraps after a dot or underscore, never every three letters
    (found by review: `overflow-wrap: anywhere` let the column shrink to three characters)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, demo_server.url)
        page.goto(f"{demo_server.url}/audit?per_page=100")
        lines = page.evaluate("""() => [...document.querySelectorAll('table.audit td code')].map(c => {
            const r = document.createRange(); r.selectNodeContents(c);
            const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
            return [c.textContent, tops.size]; })""")
    finally:
        context.close()
    assert lines
    for text, count in lines:
        parts = len(re.split(r"[._:\s-]+", text.strip()))
        assert count <= parts, f"{text!r} takes {count} lines, more than its {parts} parts"


def _shoot(browser: Browser, url: str, artifacts: Path, width: int, height: int, lang: str) -> list[str]:
    """Screenshots of every list at this size and language; the pages whose body scrolls sideways."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    out = artifacts / "web" / "tables"
    out.mkdir(parents=True, exist_ok=True)
    wide = []
    try:
        sign_in(page, url)
        page.goto(f"{url}/lang/{lang}")
        for path in ("/dashboard", *LISTS, "/participants/PKU-001"):
            page.goto(f"{url}{path}")
            scroll, client = page.evaluate("[document.documentElement.scrollWidth, "
                                           "document.documentElement.clientWidth]")
            if scroll > client:
                wide.append(f"{path} at {width}px ({lang}): scrollWidth {scroll} > clientWidth {client}")
            name = path.strip("/").split("?")[0].replace("/", "_") or "home"
            page.screenshot(path=str(out / f"{name}_{width}_{lang}.png"), full_page=True)
        return wide
    finally:
        context.close()


@layout_only
def test_the_layout_uses_a_wide_screen_and_fits_1366(browser: Browser, demo_server: ThreadServer,
                                                      artifacts: Path) -> None:
    wide = []
    for lang in ("en", "zh"):
        wide += _shoot(browser, demo_server.url, artifacts, 1366, 768, lang)
    assert wide == []
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sign_in(page, demo_server.url)
    page.goto(f"{demo_server.url}/audit")
    used = page.evaluate("document.querySelector('table.audit').getBoundingClientRect().width")
    context.close()
    assert used > 1700                                                    # the table takes the wide screen


@pytest.mark.slow
@layout_only
def test_screenshots_of_every_list_at_1920(browser: Browser, demo_server: ThreadServer, artifacts: Path) -> None:
    """The lists at 1920x1080 in both languages, for a person to look at (the default run checks the fit at 1366
    and the audit table's width at 1920 above; these 14 full-page screenshots took half of that test)."""
    wide = []
    for lang in ("en", "zh"):
        wide += _shoot(browser, demo_server.url, artifacts, 1920, 1080, lang)
    assert wide == []
