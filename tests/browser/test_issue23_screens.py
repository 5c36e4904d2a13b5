"""Issue 23 points 1-6 looked at as a data manager would (review gap 5): every page of the brief, at 1366×768
and 1920×1080, in Chinese and English, screenshotted to artifacts/web/issue23/pages/<page>_<width>_<lang>.png
for a person to look at, and checked for what a person trips on: a page that scrolls sideways, a table cell
whose text is clipped or runs out of its cell, a form control wider than the screen, a date, count or one-word
link broken over two lines (found looking at them: "2026-07-|29", "更|正").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.storage.tables import records
from tests.browser.conftest import layout_only, sign_in
from tests.live_server import ThreadServer

# Elements whose content is wider than their box and not allowed to scroll there: text cut off or spilling over
OVERFLOW = """() => [...document.querySelectorAll(
    'main td, main th, main dd, main label, main .card, main input, main select, main textarea, main button, '
    + 'main h1, main p')]
  .filter(e => { const s = getComputedStyle(e); return s.overflowX !== 'auto' && s.overflowX !== 'scroll' &&
                 e.scrollWidth > e.clientWidth + 2 && e.clientWidth > 0; })
  .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.value || '').slice(0, 40))"""

# Short values (a date, a count, a one-word link or header: at most 12 characters, no space) broken over lines
BROKEN = """() => [...document.querySelectorAll('main td, main th')].flatMap(cell => {
  const text = cell.innerText.trim();
  if (!text || text.length > 12 || /\\s/.test(text)) return [];
  const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), tops = new Set();
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const r = document.createRange(); r.selectNodeContents(n);
    [...r.getClientRects()].filter(x => x.width > 0).forEach(x => tops.add(Math.round(x.top)));
  }
  return tops.size > 1 ? [cell.tagName + ' ' + text + ' in ' + tops.size + ' lines'] : [];
})"""


def _pages(server: ThreadServer) -> dict[str, str]:
    """The pages of the brief with demo samples: name -> path."""
    with server.ctx.engine.connect() as conn:
        bodies = [json.loads(b) for b in conn.execute(select(records.c.body).where(records.c.revision == 1))
                  .scalars()]
    essdai = next(b for b in bodies if b.get("instrument_id") == "essdai" and b["participant_id"] == "PKU-004")
    serious = next(b for b in bodies if b["kind"] == "adverse_event" and b["data"].get("serious"))
    return {"dashboard": "/dashboard", "participants": "/participants", "participant": "/participants/PKU-004",
            "record": f"/records/{essdai['record_id']}", "correct": f"/records/{essdai['record_id']}/correct",
            "adverse_events": "/adverse-events", "audit": "/audit", "queries": "/queries?state=all",
            "devices": "/devices", "exports": "/exports", "screening": "/screening",
            "sae_form": f"/adverse-events/{serious['record_id']}/sae"}


@layout_only
def test_every_page_of_issue_23_fits_both_screens_in_both_languages(browser: Browser, demo_server: ThreadServer,
                                                                    artifacts: Path) -> None:
    url = demo_server.url
    out = artifacts / "web" / "issue23" / "pages"
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    pages = _pages(demo_server)
    for width, height in ((1366, 768), (1920, 1080)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            sign_in(page, url)
            expect(page).to_have_url(f"{url}/dashboard")
            for lang in ("zh", "en"):
                page.goto(f"{url}/lang/{lang}")
                for name, path in pages.items():
                    response = page.goto(f"{url}{path}")
                    assert response is not None and response.status == 200, (path, response and response.status)
                    scroll, client = page.evaluate("[document.documentElement.scrollWidth, "
                                                   "document.documentElement.clientWidth]")
                    if scroll > client:
                        problems.append(f"{name} {width} {lang}: the page scrolls sideways ({scroll} > {client})")
                    problems += [f"{name} {width} {lang}: {e}" for e in page.evaluate(OVERFLOW)]
                    problems += [f"{name} {width} {lang}: {e}" for e in sorted(set(page.evaluate(BROKEN)))]
                    page.screenshot(path=str(out / f"{name}_{width}_{lang}.png"), full_page=True)
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_what_the_screens_showed_reads_as_a_person_expects(page: Page, demo_server: ThreadServer) -> None:
    """Found looking at the screenshots: the SUSAR box named drugs by their ids ("il2"), an upper-only normal
    range read "–5.2" (minus 5.2), the screening log showed arm codes, the participant page ran ninety rows of
    daily doses before the records, the SAE form's dates were raw ISO stamps and its sponsor English in
    Chinese."""
    url = demo_server.url
    study = demo_server.ctx.study
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")
    page.goto(f"{url}/lang/zh")
    page.goto(f"{url}/dashboard")
    susars = page.locator("#susars").inner_text()
    for drug in study.drugs:
        assert not re.search(rf"(?<![\w-]){re.escape(drug.id)}(?![\w-])", susars), (drug.id, susars)
    assert any(d.label_zh in susars for d in study.drugs)
    page.goto(f"{url}/participants/PKU-004")
    ranges = page.locator("table.labs tbody td:nth-child(5)").all_inner_texts()
    assert ranges and not [r for r in ranges if r.startswith(("–", "-"))], ranges
    assert any(r.startswith("≤") for r in ranges)
    days = page.locator("#dosing details.dose-days")                       # folded: the records come next
    expect(days).not_to_have_attribute("open", "")
    expect(days.locator("summary")).to_contain_text("天")
    assert not page.locator("#dosing table.doses").is_visible()
    days.locator("summary").click()
    expect(page.locator("#dosing table.doses")).to_be_visible()
    page.goto(f"{url}/screening")                                          # arms by name, not by code
    arms = [c.strip() for c in page.locator("main table tbody td:nth-child(8)").all_inner_texts()]
    assert {a.code for a in study.arms}.isdisjoint(arms) and {a.name_zh for a in study.arms} & set(arms), arms
    serious = _pages(demo_server)["sae_form"]
    page.goto(f"{url}{serious}")
    form = page.locator("main").inner_text()
    assert study.study.sponsor_zh in form and study.study.sponsor not in form
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", form), "a raw ISO timestamp on the SAE form"
    widths = page.locator("table.sae-fields").evaluate_all(
        "ts => ts.map(t => Math.round(t.querySelector('th').getBoundingClientRect().width))")
    assert len(set(widths)) == 1, f"the SAE form's sections split their columns differently: {widths}"
