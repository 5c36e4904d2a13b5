"""The dashboard follows every new revision (issue 25 point 2): each server process keeps what it computed of a
participant's records (``server.services.dashboard.current_records_kept``) and must never show a count that a
correction or a new record has changed since, on SQLite and PostgreSQL, whichever of the server's threads (or
the test's own, standing for another process) stored it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from server.services import cohorts, corrections
from server.services import dashboard as board
from server.storage.engine import reading, writing
from tests.demo_template import DemoTemplates
from tests.live_server import ThreadServer, serving
from tests.postgres import PostgresCluster

PASSWORD = "dashboard-followed-password"


@pytest.fixture
def aged(tmp_path: Path, demo_templates: DemoTemplates,
         demo_cluster: PostgresCluster | None) -> Iterator[tuple[ThreadServer, ThreadServer]]:
    """Two servers (two sets of threads) on one copy of the demo as of thirty days ago (visits due and overdue)."""
    ctx = demo_templates.context(tmp_path / "server", admin_password=PASSWORD, cluster=demo_cluster,
                                 as_of=datetime.now(UTC).date() - timedelta(days=30))
    with serving(ctx) as one, serving(ctx) as two:
        yield one, two


def _signed_in(srv: ThreadServer) -> httpx.Client:
    c = httpx.Client(base_url=srv.url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "demo.admin",
                                   "password": PASSWORD}).status_code == 302
    return c


def _shown(c: httpx.Client) -> dict[str, int]:
    """Every count link of the dashboard: its participants-list query -> the number shown."""
    page = c.get("/dashboard")
    assert page.status_code == 200
    return {href.replace("&amp;", "&"): int(n) for href, n in
            re.findall(r'<a class="count[^"]*" href="([^"]+)" data-count="(\d+)"', page.text)}


def _fresh(srv: ThreadServer) -> dict[str, int]:
    """What the dashboard must show now, computed from the database alone (nothing kept from before)."""
    board._kept.clear()
    ctx = srv.ctx
    today = datetime.now(UTC).date()
    with reading(ctx.engine) as conn:
        counted = cohorts.counts(conn, ctx.study, [s.id for s in ctx.study.sites], today, datetime.now(UTC))
    with srv.app.test_request_context():
        from flask import url_for
        return {url_for("web.participants", **c.query()): n for c, n in counted.items() if c.status in (
            "enrolled", "due", "overdue", "done", "on_study", "completed", "discontinued")}


def _disposition(srv: ThreadServer, status: str) -> tuple[str, str, dict[str, object]]:
    """(participant, record id, data) of a current disposition with ``status``."""
    with reading(srv.ctx.engine) as conn:
        people = [p["participant_id"] for p in board.list_participants(conn, [s.id for s in srv.ctx.study.sites])]
        recs = board.current_records_of(conn, people, kind="disposition")
    for pid, mine in sorted(recs.items()):
        for r in mine:
            if r["data"]["status"] == status:
                return pid, r["record_id"], dict(r["data"])
    raise AssertionError(f"the aged demo has no participant with a disposition {status!r}")


def _agrees(shown: dict[str, int], fresh: dict[str, int]) -> None:
    for href, n in fresh.items():
        assert shown.get(href) == n, (href, shown.get(href), n)


def test_a_correction_changes_the_counts_at_once_on_every_thread(aged: tuple[ThreadServer, ThreadServer]) -> None:
    one, two = aged
    a, b = _signed_in(one), _signed_in(two)
    before = _shown(a)
    assert _shown(b) == before                       # both threads now keep every participant
    _agrees(before, _fresh(one))
    _shown(a), _shown(b)                             # kept again after the fresh read dropped them
    _pid, rid, data = _disposition(one, "completed")
    with writing(one.ctx.engine) as conn:            # stored outside both servers' requests (another process)
        corrections.correct_record(conn, one.ctx.study, rid, {**data, "status": "discontinued",
                                                             "reason": "withdrawal_by_subject"},
                                   "entered the wrong status", "user:demo.admin")
    after_a, after_b = _shown(a), _shown(b)
    assert after_a == after_b
    assert after_a["/participants?status=completed"] == before["/participants?status=completed"] - 1
    assert after_a["/participants?status=discontinued"] == before["/participants?status=discontinued"] + 1
    assert (after_a["/participants?status=discontinued&reason=withdrawal_by_subject"]
            == before["/participants?status=discontinued&reason=withdrawal_by_subject"] + 1)
    _agrees(after_a, _fresh(one))
    _shown(a)
    with writing(one.ctx.engine) as conn:            # back to what revision 1 said: a third revision, same data
        corrections.correct_record(conn, one.ctx.study, rid, data, "the status was right", "user:demo.admin")
    assert _shown(b) == _shown(a) == before
    _agrees(_shown(a), _fresh(one))
    a.close()
    b.close()


def test_the_participants_list_behind_a_count_follows_too(aged: tuple[ThreadServer, ThreadServer]) -> None:
    one, _ = aged
    a = _signed_in(one)
    listed = a.get("/participants?status=completed").text
    pid, rid, data = _disposition(one, "completed")
    assert f'data-participant="{pid}"' in listed
    with writing(one.ctx.engine) as conn:
        corrections.correct_record(conn, one.ctx.study, rid, {**data, "status": "discontinued",
                                                             "reason": "physician_decision"},
                                   "entered the wrong status", "user:demo.admin")
    assert f'data-participant="{pid}"' not in a.get("/participants?status=completed").text
    assert f'data-participant="{pid}"' in a.get("/participants?status=discontinued&reason=physician_decision").text
    a.close()


def test_the_dashboards_one_review_of_serious_aes_gives_the_alerts_and_susars_of_each_read(
        aged: tuple[ThreadServer, ThreadServer]) -> None:
    """``alerts_and_susars`` (one read, one reviewer) is ``alerts`` and ``susars`` (each its own read), also after
    an alert's SAE is marked reported (it leaves the alerts, stays a SUSAR if it is one)."""
    from server.services import sae_reports

    ctx = aged[0].ctx
    sites = [s.id for s in ctx.study.sites]
    now = datetime.now(UTC)
    with reading(ctx.engine) as conn:
        alerts, susars = sae_reports.alerts_and_susars(conn, ctx.study, sites, now)
        assert alerts and susars, "the aged demo has SAE alerts and SUSARs to compare"
        assert (alerts, susars) == (sae_reports.alerts(conn, ctx.study, sites, now),
                                    sae_reports.susars(conn, ctx.study, sites))
    with writing(ctx.engine) as conn:
        sae_reports.mark_reported(conn, ctx.study, alerts[0]["record_id"],
                                  reported_at=now.isoformat(timespec="seconds"), reference="SPONSOR-1",
                                  actor="user:demo.admin", sites=sites)
    with reading(ctx.engine) as conn:
        after = sae_reports.alerts_and_susars(conn, ctx.study, sites, now)
        assert after == (sae_reports.alerts(conn, ctx.study, sites, now), sae_reports.susars(conn, ctx.study, sites))
        assert alerts[0]["record_id"] not in {a["record_id"] for a in after[0]}
        assert len(after[0]) == len(alerts) - 1
