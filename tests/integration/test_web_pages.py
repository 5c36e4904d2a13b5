"""Every admin page renders on SQLite and PostgreSQL with the demo study, in both languages, and says what it should."""

from __future__ import annotations

import re

import httpx
import pytest

from server.services import checkpoints
from tests.live_server import ThreadServer

PASSWORD = "web-pages-password-1"
PAGES = ("/users", "/dashboard", "/participants", "/participants/PKU-001", "/adverse-events?serious=1&grade3=1&arm=IL2",
         "/deviations",
         "/devices", "/audit?q=device&verify=1", "/exports", "/screening")


@pytest.fixture
def demo_admin_password() -> str:
    return PASSWORD


@pytest.fixture
def server(demo_server: ThreadServer) -> ThreadServer:
    """Every server here starts from the demo data: its own copy of the session's seeded demo (seconds saved)."""
    return demo_server


def _admin(server: ThreadServer) -> httpx.Client:
    c = httpx.Client(base_url=server.url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "demo.admin",
                                   "password": PASSWORD}).status_code == 302
    return c


def test_every_page_renders_in_english_and_chinese(server: ThreadServer) -> None:
    c = _admin(server)
    for lang, marker in (("en", "Sign out"), ("zh", "退出")):
        c.get(f"/lang/{lang}")
        for path in PAGES:
            r = c.get(path)
            assert r.status_code == 200, (lang, path, r.text[:500])
            assert marker in r.text, (lang, path)
    c.get("/lang/en")
    assert "The audit chain holds." in c.get("/audit?verify=1").text
    verify = c.get("/api/v1/admin/audit/verify").json()
    assert verify["ok"] is True and verify["entries"] > 100
    c.close()
    with server.ctx.engine.connect() as conn:     # signing is the worker's job, never a request's
        assert checkpoints.latest(conn) is None


def test_bad_filters_and_unknown_participants_get_a_clear_page(server: ThreadServer) -> None:
    c = _admin(server)
    r = c.get("/adverse-events?arm=PLACEBO")
    assert r.status_code == 400 and "arm: &#39;PLACEBO&#39; is not an arm of this study" in r.text
    r = c.get("/participants/PKU-999")
    assert r.status_code == 404 and "No participant" in r.text
    r = c.get("/audit?before=abc")
    assert r.status_code == 400 and "not an entry number" in r.text
    c.close()


def test_a_correction_without_a_reason_is_refused_and_stores_nothing(server: ThreadServer) -> None:
    c = _admin(server)
    page = c.get("/participants/PKU-001").text
    rid = re.search(r'tr data-record="([0-9a-f-]+)" data-kind="instrument_response" '
                    r'data-instrument="patient_global_vas"', page).group(1)  # type: ignore[union-attr]
    form = c.get(f"/records/{rid}/correct").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    r = c.post(f"/records/{rid}/correct", data={"csrf_token": token, "f_activity": "12", "reason": " "})
    assert r.status_code == 422 and "Give the reason for the change." in r.text
    r = c.post(f"/records/{rid}/correct", data={"csrf_token": token, "f_activity": "101", "reason": "typo"})
    assert r.status_code == 422 and '<tr data-field="activity" class="has-error">' in r.text   # beside the field
    assert "above the allowed range (you gave: 101)" in r.text
    r = c.post(f"/records/{rid}/correct", data={"csrf_token": token, "f_activity": "abc", "reason": "typo"})
    assert r.status_code == 422 and '<tr data-field="activity" class="has-error">' in r.text
    assert "not a whole number (you gave: abc)" in r.text
    assert "Revision 1" in c.get(f"/records/{rid}/correct").text
    r = c.post(f"/records/{rid}/correct", data={"csrf_token": token, "f_activity": "12", "reason": "typo"})
    assert r.status_code == 302
    assert "Revision 2" in c.get(f"/records/{rid}/correct").text
    c.close()


def test_an_admin_manages_accounts_on_the_page(server: ThreadServer) -> None:
    c = _admin(server)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/users").text).group(1)  # type: ignore
    r = c.post("/users", data={"csrf_token": token, "username": "mon.zhao", "role": "monitor", "site": "PKU"})
    assert r.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    bad = c.post("/users", data={"csrf_token": token, "username": "x y", "role": "monitor", "site": "PKU"})
    assert bad.status_code == 400 and "username" in bad.text.lower()
    with httpx.Client(base_url=server.url, timeout=60) as monitor:   # a sign-in hashes: slow on a busy machine
        t = re.search(r'name="csrf_token" value="([^"]+)"', monitor.get("/signin").text).group(1)  # type: ignore
        assert monitor.post("/signin", data={"csrf_token": t, "username": "mon.zhao", "password": password}
                            ).status_code == 302
        assert monitor.get("/audit").status_code == 200 and monitor.get("/users").status_code == 403
        assert c.post("/users/mon.zhao/disable", data={"csrf_token": token}).status_code == 200
        assert monitor.get("/audit").status_code == 401
    r = c.post("/users/mon.zhao/reset", data={"csrf_token": token})
    assert r.status_code == 200 and 'id="new-password"' in r.text
    assert "mon.zhao" in c.get("/users").text
    c.close()


def test_the_participant_page_lists_lab_results_with_ranges_grades_and_the_ae_they_propose(
        server: ThreadServer) -> None:
    c = _admin(server)
    c.get("/lang/en")
    people = re.findall(r'href="/participants/([A-Z]+-\d+)"', c.get("/participants").text)
    pages = {pid: c.get(f"/participants/{pid}").text for pid in dict.fromkeys(people)}
    assert all('id="labs"' in page and "Alanine Aminotransferase" in page for page in pages.values())
    def text(page: str) -> str:   # the proposal's term is marked translate="no" (data, not interface text)
        return re.sub(r"<[^>]+>", "", page)

    graded = [page for page in pages.values() if "Alanine aminotransferase increased, Grade 2" in text(page)]
    assert len(graded) == 1 and "x ULN" in graded[0] and "<td>HIGH</td>" in graded[0]
    severe = [page for page in pages.values() if "Neutrophil count decreased, Grade 3" in text(page)]
    assert len(severe) == 1
    assert sum(page.count('class="corrected"') for page in pages.values()) >= 1      # the demo's corrected result
    c.get("/lang/zh")
    assert "实验室检查结果" in c.get(f"/participants/{people[0]}").text


def test_the_screening_log_shows_screen_failures_with_the_criteria_they_did_not_meet(server: ThreadServer) -> None:
    c = _admin(server)
    c.get("/lang/en")
    page = c.get("/screening").text
    assert "Screened 15: 3 screen failures, 0 pending, 0 eligible and not yet randomised, 12 randomised." in page
    rows = re.findall(r'<tr class="outcome-([a-z_]+)">(.*?)</tr>', page, re.S)
    assert [o for o, _ in rows].count("screen_failure") == 3 and [o for o, _ in rows].count("eligible") == 12
    failures = [row for o, row in rows if o == "screen_failure"]
    assert all(re.search(r'<span title="[^"]+">[IE]\d+</span>', row) for row in failures)
    assert "PKU-001" in rows[0][1] and "screen failure" in page
    c.get("/lang/zh")
    assert "筛选失败" in c.get("/screening").text
    c.close()
