"""Kiosk enrolment codes: typable, single use, 72 h, and enrolment attempts rate-limited (429 problem JSON)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import update

from server.cli import main as server_cli
from server.services import devices
from server.storage import enrolment_attempts as attempts
from server.storage.tables import enrolment_codes
from shared.crypto import token_digest
from tests.factories import enrolment_code, server_staff
from tests.live_server import ThreadServer

SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def _enrol(server: ThreadServer, code: object, label: str = "room 1") -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/devices/enrol", json={"code": code, "label": label}, timeout=30)


def _as_typed(code: str) -> str:
    return code.lower().replace("1", "l").replace("0", "o").replace("-", " ")


def test_the_printed_code_typed_loosely_enrols_a_simulated_kiosk_once(sqlite_server: ThreadServer, tmp_path: Path,
                                                                        capsys: object) -> None:
    server_staff(sqlite_server, "demo.nurse")  # the account the simulator's staff entries name
    assert server_cli(["device", "code", "--data-dir", str(sqlite_server.ctx.config.data_dir)]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]  # type: ignore[attr-defined]
    assert SHAPE.match(code)
    kiosk = subprocess.run(
        [sys.executable, "-m", "desktop_client.cli", "simulate", "--data-dir", str(tmp_path / "kiosk"), "--server",
         sqlite_server.url, "--participants", "1", "--visits", "1", f"--enrol-code={_as_typed(code)}"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TRIALPRO_PASSPHRASE": "kiosk passphrase"})
    assert kiosk.returncode == 0, kiosk.stderr
    again = _enrol(sqlite_server, code)
    assert again.status_code == 403 and again.json()["code"] == "device.enrolment_code_invalid"


def test_an_expired_code_is_refused_and_a_mistyped_one_names_the_rule(sqlite_server: ThreadServer) -> None:
    code = enrolment_code(sqlite_server)
    with sqlite_server.ctx.engine.begin() as conn:
        conn.execute(update(enrolment_codes).where(enrolment_codes.c.code_digest == token_digest(code))
                     .values(expires_at="2020-01-01T00:00:00Z"))
    expired = _enrol(sqlite_server, code)
    assert expired.status_code == 403 and "expired" in expired.json()["detail"]
    typo = _enrol(sqlite_server, code[:-1] + "U")
    assert typo.status_code == 422
    [problem] = typo.json()["problems"]
    assert problem["field"] == "code" and "XXXX-XXXX-XXXX-XXXX" in problem["allowed"]


def test_failed_attempts_with_one_code_are_limited(sqlite_server: ThreadServer) -> None:
    used = enrolment_code(sqlite_server)
    assert _enrol(sqlite_server, used).status_code == 201
    for _ in range(devices.MAX_FAILURES_PER_CODE):
        assert _enrol(sqlite_server, used).status_code == 403
    limited = _enrol(sqlite_server, used)
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["code"] == "device.enrolment_rate_limited"
    assert _enrol(sqlite_server, enrolment_code(sqlite_server)).status_code == 201  # other codes still work


def test_failed_attempts_from_one_address_are_limited_even_for_a_good_code(sqlite_server: ThreadServer) -> None:
    for i in range(devices.MAX_FAILURES_PER_ADDRESS):
        assert _enrol(sqlite_server, f"{i:04d}-0000-0000-0000").status_code == 403
    good = enrolment_code(sqlite_server)
    limited = _enrol(sqlite_server, good)
    assert limited.status_code == 429 and "Wait 15 minutes" in limited.json()["detail"]
    with sqlite_server.ctx.engine.connect() as conn:  # the good code was not spent by the refused attempt
        row = conn.execute(enrolment_codes.select().where(enrolment_codes.c.code_digest == token_digest(good))).one()
    assert row.used_at is None


def test_old_enrolment_attempts_are_purged_by_the_job_runner_task(sqlite_server: ThreadServer) -> None:
    from server.services.worker import purge_sign_in_attempts
    from server.storage import enrolment_attempts
    from server.storage.engine import writing

    with writing(sqlite_server.ctx.engine) as conn:
        enrolment_attempts.add_attempt(conn, remote_addr="127.0.0.1", code_digest=None,
                                       at="2020-01-01T00:00:00.000Z", succeeded=False)
    assert _enrol(sqlite_server, "0000-0000-0000-0000").status_code == 403     # a fresh one stays
    assert purge_sign_in_attempts(sqlite_server.ctx) == 1
    with writing(sqlite_server.ctx.engine) as conn:
        assert enrolment_attempts.failures_from(conn, "127.0.0.1", "2000-01-01T00:00:00Z") == 1


def test_the_rate_limit_counts_failures_per_address_and_per_code_in_one_read(server: ThreadServer) -> None:
    """Both counts the limit asks for, on SQLite and PostgreSQL: failures only, within the window, by address and by
    code digest (no digest: no count of a code)."""
    with server.ctx.engine.begin() as conn:
        for addr, digest, at, ok in (("10.0.0.1", "d1", "2026-01-01T10:00:00Z", False),
                                     ("10.0.0.1", "d2", "2026-01-01T10:05:00Z", False),
                                     ("10.0.0.2", "d1", "2026-01-01T10:06:00Z", False),
                                     ("10.0.0.1", "d1", "2026-01-01T10:07:00Z", True),     # a success
                                     ("10.0.0.1", "d1", "2026-01-01T09:00:00Z", False)):   # before the window
            attempts.add_attempt(conn, remote_addr=addr, code_digest=digest, at=at, succeeded=ok)
        since = "2026-01-01T09:30:00Z"
        assert attempts.failures_from_and_of_code(conn, "10.0.0.1", "d1", since) == (2, 2)
        assert attempts.failures_from_and_of_code(conn, "10.0.0.2", None, since) == (1, 0)
        assert attempts.failures_from_and_of_code(conn, "10.0.0.9", "d9", since) == (0, 0)
