"""Sign-in over real HTTP: lock-out, rate limits, disabled and reset accounts, cookie flags, and its audit entries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from server.app import create_app, open_context
from server.config import ServerConfig
from server.services import auth
from server.services.users import add_user
from server.storage.tables import audit_log, login_attempts
from tests.cli_in_process import server_cli
from tests.live_server import ThreadServer

PASSWORD = "sign-in-test-password"


def _add(server: ThreadServer, username: str, role: str = "nurse") -> None:
    with server.ctx.engine.begin() as conn:
        add_user(conn, username=username, password=PASSWORD, roles=[role], sites=["PKU"], actor="test")


def _try(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)  # type: ignore
    return client.post("/signin", data={"csrf_token": token, "username": username, "password": password})


def _actions(server: ThreadServer, entity: str) -> list[str]:
    with server.ctx.engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.action).where(audit_log.c.entity_id == entity)
                                 .order_by(audit_log.c.seq)).scalars())


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(server: ThreadServer) -> None:
    _add(server, "nurse.lock")
    with httpx.Client(base_url=server.url, timeout=60) as c:
        for _ in range(auth.MAX_FAILURES):
            assert _try(c, "nurse.lock", "not the password").status_code == 401
        r = _try(c, "nurse.lock", PASSWORD)
        assert r.status_code == 401 and "locked" in r.text
    actions = _actions(server, "nurse.lock")
    assert actions.count("user.sign_in_failed") == auth.MAX_FAILURES + 1 and "user.lock" in actions
    assert "user.sign_in" not in actions


def test_a_successful_sign_in_is_audited_and_resets_the_failure_count(server: ThreadServer) -> None:
    _add(server, "nurse.ok")
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert _try(c, "nurse.ok", "wrong").status_code == 401
        r = _try(c, "nurse.ok", PASSWORD)
        assert r.status_code == 302
        assert c.get("/dashboard").status_code == 200
    assert _actions(server, "nurse.ok")[-2:] == ["user.sign_in_failed", "user.sign_in"]


def test_many_failures_from_one_address_are_rate_limited_across_names(server: ThreadServer) -> None:
    with server.ctx.engine.begin() as conn:
        conn.execute(login_attempts.insert(), [
            {"username": f"guess{i}", "remote_addr": "127.0.0.1", "at": "2999-01-01T00:00:00.000Z",
             "succeeded": False} for i in range(auth.MAX_PER_ADDRESS)])
    _add(server, "nurse.rate")
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = _try(c, "nurse.rate", PASSWORD)         # even the right password waits
        assert r.status_code == 429 and "Too many" in r.text


def test_disabling_an_account_ends_its_open_session(server: ThreadServer) -> None:
    from server.services.accounts import disable_user, reset_password

    _add(server, "nurse.gone")
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert _try(c, "nurse.gone", PASSWORD).status_code == 302
        assert c.get("/dashboard").status_code == 200
        with server.ctx.engine.begin() as conn:
            disable_user(conn, "nurse.gone", actor="test", reason="left the study team")
        assert c.get("/dashboard").status_code == 401
        assert _try(c, "nurse.gone", PASSWORD).status_code == 401
        with server.ctx.engine.begin() as conn:
            new = reset_password(conn, "nurse.gone", actor="test")
        assert _try(c, "nurse.gone", PASSWORD).status_code == 401
        assert _try(c, "nurse.gone", new).status_code == 302


def test_cli_user_add_disable_reset(tmp_path: Path) -> None:
    data_dir = tmp_path / "srv"

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return server_cli("user", *args, "--data-dir", str(data_dir), stdin=stdin)

    # the first in a real child process (the installed command's contract), the rest in this one
    out = subprocess.run([sys.executable, "-m", "server.cli", "user", "add", "dm.one", "--role", "data_manager",
                          "--site", "PKU", "--data-dir", str(data_dir)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    first = re.search(r"Password \(shown once\): (\S+)", out.stdout).group(1)  # type: ignore[union-attr]
    bad = cli("add", "dm.two", "--role", "data_manager", "--site", "XYZ")
    assert bad.returncode == 2 and "Sites must be among PKU; got XYZ" in bad.stderr
    short = cli("add", "dm.three", "--role", "monitor", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    common = cli("add", "dm.three", "--role", "admin", "--password-stdin", stdin="aaaaaaaaaaaa\n")
    assert common.returncode == 2 and "easily guessed" in common.stderr and "Repeats" in common.stderr
    common = cli("add", "dm.three", "--role", "admin", "--password-stdin", stdin="password1234\n")
    assert common.returncode == 2 and "very common password" in common.stderr
    assert cli("disable", "dm.one", "--reason", "left").returncode == 0
    assert "disabled" in cli("list").stdout
    reset = cli("reset", "dm.one", "--password-stdin", stdin="a-brand-new-password\n")
    assert reset.returncode == 0
    assert cli("reset", "nobody").returncode == 2

    ctx = open_context(ServerConfig(data_dir=data_dir))
    try:
        assert auth.sign_in(ctx.engine, "dm.one", "a-brand-new-password", "cli-test").username == "dm.one"
        try:
            auth.sign_in(ctx.engine, "dm.one", first, "cli-test")
            raise AssertionError("the old password still works")
        except auth.SignInRefused:
            pass
        with ctx.engine.connect() as conn:
            actions = list(conn.execute(select(audit_log.c.action).where(audit_log.c.entity_id == "dm.one")
                                        .order_by(audit_log.c.seq)).scalars())
        assert actions[:3] == ["user.create", "user.disable", "user.reset"]
    finally:
        ctx.engine.dispose()


def test_session_cookie_flags(tmp_path: Path) -> None:
    """Secure + HttpOnly + SameSite in production; only testing configs (plain HTTP) drop Secure."""
    ctx = open_context(ServerConfig(data_dir=tmp_path / "srv"))
    try:
        with ctx.engine.begin() as conn:
            add_user(conn, username="admin.x", password=PASSWORD, roles=["admin"], sites=["PKU"], actor="test")
        client = create_app(ctx.config, ctx).test_client()
        client.get("/signin")
        cookie = client.get_cookie("trialpro_session")
        assert cookie is not None and cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    finally:
        ctx.engine.dispose()
