"""The exports page in a real Chromium (issue 23, point 4, review gap): every format says what it is for and who
reads it, in English and Chinese; a date range (from/to) checked by the CLI's own rule, a bad date refused beside
its field with the CLI's message (never a 500, nothing queued), and a range export holding only records
collected in the range. Screenshots: artifacts/web/issue23/exports_*.png.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from server.exports.registry import FORMATS
from server.storage.jobs import recent
from tests.browser.conftest import sign_in
from tests.live_server import ThreadServer

TYPE_ANYTHING = "['#export-from', '#export-to'].forEach(s => document.querySelector(s).type = 'text')"


def _jobs(server: ThreadServer) -> int:
    with server.ctx.engine.connect() as conn:
        return len(recent(conn, kind="export", created_by="user:demo.admin", limit=100))


def test_each_format_says_what_it_is_for_in_both_languages(page: Page, demo_server: ThreadServer,
                                                           artifacts: Path) -> None:
    url = demo_server.url
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")        # signed in (a new session) before anything else
    page.goto(f"{url}/exports")
    offered = page.locator("select[name=format] option").evaluate_all("os => os.map(o => o.value)")
    assert offered and set(offered) <= set(FORMATS)
    english = {}
    for fmt in offered:
        text = page.locator(f"#format-help dd[data-format={fmt}]").inner_text()
        assert len(text) > 60 and ":" in text, (fmt, text)        # what it is: for whom
        english[fmt] = text
    assert len(set(english.values())) == len(english)
    expect(page.locator("#format-help dd[data-format=sdtm]")).to_contain_text("submission")
    expect(page.locator("#format-help dd[data-format=csv]")).to_contain_text("statisticians")
    out = artifacts / "web" / "issue23"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "exports_en.png"), full_page=True)
    page.goto(f"{url}/lang/zh")
    page.goto(f"{url}/exports")
    for fmt in offered:
        zh = page.locator(f"#format-help dd[data-format={fmt}]").inner_text()
        assert zh != english[fmt] and any("\u4e00" <= ch <= "\u9fff" for ch in zh), (fmt, zh)
    expect(page.locator("label:has(#export-from)")).to_contain_text("起始日期")
    page.screenshot(path=str(out / "exports_zh.png"), full_page=True)


def test_a_bad_date_is_refused_beside_its_field_with_the_clis_message(page: Page, demo_server: ThreadServer,
                                                                      artifacts: Path) -> None:
    url = demo_server.url
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")        # signed in (a new session) before anything else
    before = _jobs(demo_server)
    cases = ((("2026-13-01", ""), "from", "from: '2026-13-01' is not a date (allowed: YYYY-MM-DD)"),
             (("", "1st May"), "to", "to: '1st May' is not a date (allowed: YYYY-MM-DD)"),
             (("2026-05-02", "2026-05-01"), "from", "from: 2026-05-02 is after to: 2026-05-01 "
                                                    "(allowed: from on or before to)"))
    for (start, end), field, message in cases:
        page.goto(f"{url}/exports")
        page.evaluate(TYPE_ANYTHING)
        page.select_option("select[name=format]", "csv")
        page.fill("#export-from", start)
        page.fill("#export-to", end)
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#download")
        assert answer.value.status == 422
        expect(page.locator(f"label:has(#export-{field}) #err-{field}")).to_have_text(message)  # the CLI's words
        expect(page.locator(f"#export-{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("select[name=format]")).to_have_value("csv")     # the form as it was sent
    page.screenshot(path=str(artifacts / "web" / "issue23" / "exports_bad_date_en.png"), full_page=True)
    page.goto(f"{url}/lang/zh")
    page.goto(f"{url}/exports")
    page.evaluate(TYPE_ANYTHING)
    page.fill("#export-from", "2026-02-30")
    page.click("#download")
    expect(page.locator("#err-from")).to_contain_text("起始日期：“2026-02-30”不是日期")
    assert _jobs(demo_server) == before                                      # nothing queued


def test_a_range_export_holds_only_records_collected_in_the_range(page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")        # signed in (a new session) before anything else

    def export(start: str = "", end: str = "") -> list[dict[str, str]]:
        page.goto(f"{url}/exports")
        page.select_option("select[name=format]", "csv")
        page.fill("#export-from", start)
        page.fill("#export-to", end)
        page.click("#download")
        newest = page.locator("tr.export-job").first                    # newest first
        link = newest.locator("a.download")
        expect(link).to_be_visible(timeout=60_000)
        expect(newest.locator("td.range")).to_have_text(
            f"{start or '…'} – {end or '…'}" if start or end else "every date")
        with page.expect_download() as dl:
            link.click()
        with zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes())) as zf:
            name = next(n for n in zf.namelist() if n.endswith("/esspri.csv"))
            return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))

    whole = export()
    days = sorted({r["collected_at"][:10] for r in whole})
    assert len(days) >= 3
    start, end = days[1], days[-2]
    part = export(start, end)
    expected = sorted(r["record_id"] for r in whole if start <= r["collected_at"][:10] <= end)
    assert sorted(r["record_id"] for r in part) == expected and 0 < len(part) < len(whole)
    assert all(start <= r["collected_at"][:10] <= end for r in part)
