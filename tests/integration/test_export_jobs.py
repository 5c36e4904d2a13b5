"""Web exports are background jobs on the one job runner: a row, progress, a 0600 file on disk, a download.

The web server and `trialpro-server worker` run as they do in production: the page
only queues; a real worker process writes the export; a restart loses nothing.
"""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
from sqlalchemy import select

from server.app import ServerContext, open_context
from server.config import ServerConfig
from server.services import export_jobs
from server.storage import jobs as job_store
from server.storage.engine import writing
from server.storage.tables import audit_log
from shared.records import utc_now
from tests.demo_template import DemoTemplates
from tests.live_server import serving

PASSWORD = "export-jobs-test-pw-1"


def _ctx(demo_templates: DemoTemplates, data_dir: Path) -> ServerContext:
    """A copy of the session's seeded demo in ``data_dir``."""
    return demo_templates.context(data_dir, admin_password=PASSWORD)


def _admin(url: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "demo.admin", "password": PASSWORD}
                  ).status_code == 302
    page = c.get("/exports").text
    return c, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _worker(data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--data-dir", str(data_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    return proc.communicate(timeout=30)[0]


def _wait_done(c: httpx.Client, job_id: int, timeout: float = 120.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = c.get(f"/exports/jobs/{job_id}.json").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"export job {job_id} did not finish")


def _job_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-job="(\d+)"', page)]


def test_a_web_export_runs_in_the_worker_with_progress_a_0600_file_and_an_audited_download(
        tmp_path: Path, demo_templates: DemoTemplates) -> None:
    data_dir = tmp_path / "server"
    ctx = _ctx(demo_templates, data_dir)
    worker = _worker(data_dir)
    try:
        with serving(ctx) as srv:
            c, token = _admin(srv.url)
            r = c.post("/exports", data={"csrf_token": token, "format": "csv", "site": ""})
            assert r.status_code == 303
            [job_id] = _job_ids(c.get("/exports").text)
            job = _wait_done(c, job_id)
            assert job["status"] == "done", job
            assert job["total_rows"] and job["done_rows"] == job["total_rows"] > 0
            page = c.get("/exports").text
            assert f'href="/exports/jobs/{job_id}/download"' in page and "<progress" in page
            assert 'id="download" disabled' not in page
            on_disk = data_dir / "exports" / f"job-{job_id}.zip"
            assert on_disk.stat().st_mode & 0o777 == 0o600
            assert not (data_dir / "exports" / f"job-{job_id}").exists()     # the folder went, the zip stays
            got = c.get(f"/exports/jobs/{job_id}/download")
            assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
            assert got.content == on_disk.read_bytes()
            with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
                assert any(n.endswith("/participants.csv") for n in zf.namelist())
            c.close()
            with srv.ctx.engine.connect() as conn:
                actions = [a for (a,) in conn.execute(select(audit_log.c.action)
                                                      .where(audit_log.c.actor == "user:demo.admin"))]
            assert "export.csv" in actions and "export.download" in actions
    finally:
        _stop(worker)


def test_the_button_is_disabled_while_an_export_waits_and_a_second_one_is_not_queued(
        tmp_path: Path, demo_templates: DemoTemplates) -> None:
    ctx = _ctx(demo_templates, tmp_path / "server")
    with serving(ctx) as srv:          # no worker running: the job stays queued
        c, token = _admin(srv.url)
        assert c.post("/exports", data={"csrf_token": token, "format": "csv", "site": ""}).status_code == 303
        page = c.get("/exports").text
        assert 'id="download" disabled' in page and "is running" in page
        assert c.post("/exports", data={"csrf_token": token, "format": "odm", "site": ""}).status_code == 303
        assert len(_job_ids(c.get("/exports").text)) == 1
        [job_id] = _job_ids(c.get("/exports").text)
        early = c.get(f"/exports/jobs/{job_id}/download")
        assert early.status_code == 409 and "queued" in early.text
        c.close()


def test_a_queued_export_survives_a_server_restart_and_a_job_left_running_is_taken_again(
        tmp_path: Path, demo_templates: DemoTemplates) -> None:
    data_dir = tmp_path / "server"
    ctx = _ctx(demo_templates, data_dir)
    with serving(ctx) as srv:
        c, token = _admin(srv.url)
        c.post("/exports", data={"csrf_token": token, "format": "csv", "site": "PKU"})
        [job_id] = _job_ids(c.get("/exports").text)
        c.close()
    with writing(ctx.engine) as conn:      # another job, taken by a worker that then died mid-export
        other = job_store.enqueue(conn, kind=export_jobs.KIND, created_by="user:demo.admin", now=utc_now(),
                                  params={"format": "csv", "site": None, "from": None, "to": None, "bom": False,
                                          "name": "left-running"})
        taken = job_store.claim_next(conn, kinds=[export_jobs.KIND], now=utc_now())
    assert taken is not None and taken.id == job_id    # the oldest first: the page's job
    with writing(ctx.engine) as conn:
        assert job_store.claim_next(conn, kinds=[export_jobs.KIND], now=utc_now()).id == other  # type: ignore
    ctx.engine.dispose()
    worker = _worker(data_dir)                          # the restart
    try:
        with serving(open_context(ServerConfig(data_dir=data_dir, testing=True))) as srv:
            c, _ = _admin(srv.url)
            assert _wait_done(c, job_id)["status"] == "done"
            assert c.get(f"/exports/jobs/{job_id}/download").status_code == 200
            assert _wait_done(c, other)["status"] == "done"
            c.close()
            with srv.ctx.engine.connect() as conn:
                again = job_store.get(conn, other)
            assert again is not None and again.status == "done" and again.attempts == 2
    finally:
        log = _stop(worker)
    assert "queued again 2 job(s)" in log


def test_a_job_that_cannot_run_fails_with_its_reason_and_the_worker_goes_on(
        tmp_path: Path, demo_templates: DemoTemplates) -> None:
    data_dir = tmp_path / "server"
    ctx = _ctx(demo_templates, data_dir)
    with writing(ctx.engine) as conn:
        bad = job_store.enqueue(conn, kind=export_jobs.KIND, created_by="user:demo.admin", now=utc_now(),
                                params={"format": "csv", "site": "NOWHERE", "from": None, "to": None, "bom": False,
                                        "name": "bad"})
    worker = _worker(data_dir)
    try:
        with serving(ctx) as srv:
            c, token = _admin(srv.url)
            failed = _wait_done(c, bad)
            assert failed["status"] == "failed" and "NOWHERE" in str(failed["error"])
            assert "failed" in c.get("/exports").text
            c.post("/exports", data={"csrf_token": token, "format": "csv", "site": ""})
            newest = max(_job_ids(c.get("/exports").text))
            assert _wait_done(c, newest)["status"] == "done"
            c.close()
    finally:
        _stop(worker)


def test_someone_elses_export_job_is_not_found(tmp_path: Path, demo_templates: DemoTemplates) -> None:
    ctx = _ctx(demo_templates, tmp_path / "server")
    with writing(ctx.engine) as conn:
        theirs = job_store.enqueue(conn, kind=export_jobs.KIND, created_by="user:someone.else", now=utc_now(),
                                   params={"format": "csv", "site": None, "from": None, "to": None, "bom": False,
                                           "name": "theirs"})
    with serving(ctx) as srv:
        c, _ = _admin(srv.url)
        assert c.get(f"/exports/jobs/{theirs}.json").status_code == 404
        assert c.get(f"/exports/jobs/{theirs}/download").status_code == 404
        c.close()


def _export_cli(data_dir: Path, out: Path, *, tty: bool) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "server.cli", "export", "csv", "--data-dir", str(data_dir), "--out", str(out)]
    if not tty:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_the_cli_export_shows_a_progress_bar_on_a_terminal_and_is_quiet_otherwise(
        tmp_path: Path, demo_templates: DemoTemplates) -> None:
    data_dir = tmp_path / "server"
    _ctx(demo_templates, data_dir).engine.dispose()
    rc, err = _export_cli(data_dir, tmp_path / "piped", tty=False)
    assert rc == 0 and err == ""
    rc, err = _export_cli(data_dir, tmp_path / "terminal", tty=True)
    assert rc == 0 and re.search(r"100%\|.*\b(\d+)/\1 \[", err), err      # the bar reached rows done = total
