"""Issue 23 point 1 in a real Chromium: every count of the dashboard leads to exactly the participants behind it,
silent kiosks are flagged with their last sync, SAEs show their deadline and lead to their acknowledgement.

The demo is seeded as of thirty days ago (so visits after it are due or overdue today), the data-query rules have
run once (open queries), and the demo kiosk last synced five days ago. No job runner runs beside the server, so
nothing changes between a count and the list it links to. Screenshots: artifacts/web/issue23/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from server.services.query_rules import run_rules
from server.storage import devices as device_store
from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.demo_template import DemoTemplates
from tests.live_server import ThreadServer, serving
from tests.postgres import PostgresCluster

VIEWPORTS = ((1366, 768), (1920, 1080))


@pytest.fixture
def aged_demo(tmp_path: Path, demo_templates: DemoTemplates,
              demo_cluster: PostgresCluster | None) -> Iterator[ThreadServer]:
    """The demo as of thirty days ago (a copy of the session's; its participant still on study then has a visit
    due and one overdue), its rules run, its kiosk silent for five days; no job runner."""
    ctx = demo_templates.context(tmp_path / "server", admin_password=DEMO_PASSWORD, cluster=demo_cluster,
                                 as_of=datetime.now(UTC).date() - timedelta(days=30))
    run_rules(ctx.engine, ctx.study)
    with ctx.engine.begin() as conn:
        for d in device_store.all_devices(conn):
            at = (datetime.now(UTC) - timedelta(days=5)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            device_store.mark_seen(conn, d["device_id"], at)
    with serving(ctx, worker=False) as srv:
        yield srv


def shoot(browser: Browser, url: str, pages: dict[str, str], artifacts: Path) -> None:
    """Screenshots of each page (name -> path) at 1366x768 and 1920x1080, in English and Chinese: one signed-in
    browser context per viewport and language."""
    out = artifacts / "web" / "issue23"
    out.mkdir(parents=True, exist_ok=True)
    for width, height in VIEWPORTS:
        for lang, locale in (("en", "en-GB"), ("zh", "zh-CN")):
            context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
            pg = context.new_page()
            sign_in(pg, url)
            for name, path in pages.items():
                pg.goto(f"{url}{path}")
                pg.screenshot(path=str(out / f"{name}_{lang}_{width}.png"), full_page=True)
            context.close()


def _listed(page: Page) -> list[str]:
    return [x for x in page.locator("#participants tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.participant)")]


def test_every_dashboard_count_lists_exactly_its_participants(page: Page, aged_demo: ThreadServer) -> None:
    url = aged_demo.url
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")
    links = page.locator("a.count")
    targets = [(links.nth(i).get_attribute("href"), int(links.nth(i).get_attribute("data-count") or "-1"))
               for i in range(links.count())]
    hrefs = {h for h, _n in targets}
    for wanted in ("status=overdue", "status=due", "status=completed", "status=discontinued",
                   "status=screen_failure", "status=open_queries", "status=sae_awaiting", "status=on_study"):
        assert any(h and h.endswith(wanted) for h in hrefs), f"no dashboard count links to ?{wanted}"
    nonzero = {h: n for h, n in targets if n}
    for needed in ("status=overdue", "status=due", "status=screen_failure", "status=open_queries",
                   "status=sae_awaiting", "status=discontinued"):
        assert any(h and h.endswith(needed) for h in nonzero), f"the aged demo has nobody behind ?{needed}"
    for href, n in targets:                      # every count, clicked: the list holds exactly that many
        page.goto(f"{url}/dashboard")
        page.locator(f"a.count[href='{href}']").first.click()
        expect(page.locator("#cohort")).to_be_visible()
        people = _listed(page)
        assert len(people) == n == len(set(people)), f"{href}: dashboard says {n}, list shows {people}"
        if n:
            expect(page.locator("#cohort")).to_contain_text(f"({n})")


def test_cohort_members_are_the_people_behind_the_count(page: Page, aged_demo: ThreadServer) -> None:
    """The people listed are the right ones, not just as many: overdue people have an overdue visit on their
    page, screen failures are the screening log's, the SAE cohort is the SAE alert's participant."""
    url = aged_demo.url
    sign_in(page, url)
    page.goto(f"{url}/participants?status=overdue")
    overdue = _listed(page)
    assert overdue
    for pid in overdue:
        page.goto(f"{url}/participants/{pid}")
        expect(page.locator("ol.timeline li.st-overdue")).not_to_have_count(0)
    page.goto(f"{url}/screening")
    failures = sorted(page.locator("tr.outcome-screen_failure td:first-child").all_inner_texts())
    page.goto(f"{url}/participants?status=screen_failure")
    assert sorted(_listed(page)) == failures
    page.goto(f"{url}/dashboard")
    alerted = sorted(set(page.locator("#sae-alerts li > a:first-child").all_inner_texts()))
    page.goto(f"{url}/participants?status=sae_awaiting")
    assert sorted(_listed(page)) == alerted


def test_a_filter_that_is_not_one_is_refused_naming_the_field(page: Page, aged_demo: ThreadServer) -> None:
    url = aged_demo.url
    sign_in(page, url)
    for query, field in (("status=everyone", "status"), ("status=overdue&visit=week99", "visit"),
                         ("status=enrolled&arm=PLACEBO", "arm"), ("status=completed&reason=death", "reason")):
        response = page.goto(f"{url}/participants?{query}")
        assert response is not None and response.status == 400, query
        expect(page.locator("body")).to_contain_text(f"{field}:")


def test_silent_kiosks_sae_deadlines_and_acknowledgement(page: Page, aged_demo: ThreadServer) -> None:
    url = aged_demo.url
    sign_in(page, url)
    silent = page.locator("#silent-kiosks li")
    expect(silent).to_have_count(1)
    expect(page.locator("#silent-kiosks h2")).to_contain_text("3 days")
    stamp = (datetime.now(UTC) - timedelta(days=5)).astimezone().date().isoformat()
    expect(silent.first).to_contain_text("Last sync")
    assert stamp[:8] in silent.first.inner_text()
    alert = page.locator("#sae-alerts li").first
    expect(alert.locator(".deadline")).to_contain_text("report by")
    record_id = alert.get_attribute("data-record")
    alert.locator("a.acknowledge").click()
    expect(page.locator("#sae-mark")).to_be_visible()
    page.fill("#sae-mark input[name=reference]", "SPONSOR-CASE-0001")
    page.click("#sae-mark button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Marked as reported")
    page.goto(f"{url}/dashboard")
    expect(page.locator(f"#sae-alerts li[data-record='{record_id}']")).to_have_count(0)
    page.goto(f"{url}/audit?q={record_id}")
    expect(page.locator("table.audit tbody tr", has_text="sae.reported")).not_to_have_count(0)


def test_a_refused_report_time_is_shown_beside_its_field_in_the_pages_language(
        browser: Browser, aged_demo: ThreadServer) -> None:
    """The mark's time is typed at the site's clock (a datetime-local pre-filled with now at the site, its UTC
    offset beside it); a time in the future is refused beside the field, in Chinese, naming the field, the value
    and the rule, the form and the typed reference kept; the same time corrected is then accepted."""
    from shared.site_time import site_zone

    url, study = aged_demo.url, aged_demo.ctx.study
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, url)
    alert = page.locator("#sae-alerts li").first
    alert.locator("a.acknowledge").click()
    when = page.locator("#sae-mark input[name=reported_at_local]")
    expect(when).to_have_attribute("type", "datetime-local")
    zone = site_zone(study)                                   # the demo's one site
    prefilled = datetime.fromisoformat(when.input_value()).replace(tzinfo=zone)
    assert abs((prefilled - datetime.now(UTC)).total_seconds()) < 180, when.input_value()
    offset = datetime.now(zone).strftime("%z")
    expect(page.locator("#sae-mark .zone")).to_contain_text(f"UTC{offset[:3]}:{offset[3:]}")
    tomorrow = (prefilled + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    when.fill(tomorrow)
    page.fill("#sae-mark input[name=reference]", "SPONSOR-CASE-0002")
    page.click("#sae-mark button[type=submit]")
    error = page.locator("#sae-mark #err-reported_at")
    expect(error).to_be_visible()
    expect(error).to_contain_text("向申办方报告时间")            # the field, in the page's language
    expect(error).to_contain_text("须介于")                      # the rule
    expect(error).to_contain_text(tomorrow)                      # the value given, as typed at the site
    expect(page.locator("#sae-mark input[name=reference]")).to_have_value("SPONSOR-CASE-0002")
    expect(when).to_have_value(tomorrow)
    when.fill(prefilled.strftime("%Y-%m-%dT%H:%M"))
    page.click("#sae-mark button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("已标记为已报告")
    expect(page.locator("#sae-status")).to_contain_text("SPONSOR-CASE-0002")
    context.close()


def test_the_audit_trail_names_each_action_in_the_pages_language_beside_its_code(
        browser: Browser, aged_demo: ThreadServer) -> None:
    """In Chinese the audit trail shows a short label above each dotted action code; the code stays, searchable."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, aged_demo.url)
    for code, label in (("user.sign_in", "已登录"), ("adverse_event.create", "不良事件已创建")):
        page.goto(f"{aged_demo.url}/audit?q={code}")
        row = page.locator("table.audit tbody tr", has_text=code).first
        expect(row.locator("td.action .action-label")).to_have_text(label)
        expect(row.locator("td.action code")).to_contain_text(code.split(".")[0])
    context.close()


@pytest.mark.slow
def test_screenshots_of_the_guiding_pages(page: Page, browser: Browser, aged_demo: ThreadServer,
                                          artifacts: Path) -> None:
    """The pages of issue 23 points 1-3 at both sizes in both languages, for a person to look at."""
    url = aged_demo.url
    sign_in(page, url)
    page.goto(f"{url}/participants/PKU-004")
    ids = {kind: page.locator(f"table.records tr[{kind}]").first.get_attribute("data-record")
           for kind in ("data-instrument=essdai", "data-kind=adverse_event", "data-kind=randomisation")}
    essdai, ae, rand = ids.values()
    shoot(browser, url, {"dashboard": "/dashboard", "participants_overdue": "/participants?status=overdue",
                         "participants_screen_failure": "/participants?status=screen_failure",
                         "participant": "/participants/PKU-004", "record_essdai": f"/records/{essdai}",
                         "correct_essdai": f"/records/{essdai}/correct", "correct_ae": f"/records/{ae}/correct",
                         "correct_randomisation": f"/records/{rand}/correct"}, artifacts)
