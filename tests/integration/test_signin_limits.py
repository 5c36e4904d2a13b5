"""Sign-in limits over real HTTP: one answer for every refusal; account and address counted apart; proxies.

Behind a reverse proxy every client arrives from the proxy's address: the server
takes the client address from X-Forwarded-For only as many hops as it is told to
trust (``trusted_proxies``, env TRIALPRO_TRUSTED_PROXIES), never more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server.app import open_context
from server.config import ServerConfig
from server.services import auth
from server.services.accounts import disable_user
from server.services.users import add_user
from server.storage.tables import login_attempts
from tests.live_server import ThreadServer, serving

PASSWORD = "limits-test-password"


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[ThreadServer]:
    """A server told that one reverse proxy stands in front of it."""
    with serving(open_context(ServerConfig(data_dir=tmp_path / "srv", testing=True, trusted_proxies=1))) as srv:
        yield srv


def _add(server: ThreadServer, *names: str) -> None:
    with server.ctx.engine.begin() as conn:
        for name in names:
            add_user(conn, username=name, password=PASSWORD, roles=["nurse"], sites=["PKU"], actor="test")


def _try(client: httpx.Client, username: str, password: str, via: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": via} if via else {}
    token = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                      client.get("/signin", headers=headers).text).group(1)
    return client.post("/signin", data={"csrf_token": token, "username": username, "password": password},
                       headers=headers)


def _error(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S).group(1)  # type: ignore


def test_unknown_wrong_locked_and_disabled_get_the_same_answer(server: ThreadServer) -> None:
    _add(server, "nurse.locked", "nurse.disabled", "nurse.wrong")
    with server.ctx.engine.begin() as conn:
        disable_user(conn, "nurse.disabled", actor="test")
    with httpx.Client(base_url=server.url, timeout=60) as c:
        for _ in range(auth.MAX_FAILURES):
            _try(c, "nurse.locked", "not the password")
        answers = {"unknown": _error(_try(c, "nobody.at.all", PASSWORD)),
                   "wrong": _error(_try(c, "nurse.wrong", "not the password")),
                   "locked": _error(_try(c, "nurse.locked", PASSWORD)),
                   "disabled": _error(_try(c, "nurse.disabled", PASSWORD))}
    assert len(set(answers.values())) == 1, answers
    assert answers["unknown"][0] == 401


def test_failures_from_one_address_hold_back_that_address_only(proxied: ThreadServer) -> None:
    _add(proxied, "nurse.here", "nurse.there")
    with proxied.ctx.engine.begin() as conn:
        conn.execute(login_attempts.insert(), [
            {"username": f"guess{i}", "remote_addr": "198.51.100.7", "at": "2999-01-01T00:00:00.000Z",
             "succeeded": False} for i in range(auth.MAX_PER_ADDRESS)])
    with httpx.Client(base_url=proxied.url, timeout=60) as c, httpx.Client(base_url=proxied.url, timeout=60) as d:
        assert _try(c, "nurse.here", PASSWORD, via="198.51.100.7").status_code == 429
        assert _try(c, "nurse.there", PASSWORD, via="198.51.100.8").status_code == 302
        # a client cannot pick its address: only the hop the proxy appended counts
        assert _try(d, "nurse.here", PASSWORD, via="198.51.100.7, 198.51.100.9").status_code == 302


def test_failures_on_one_account_lock_it_without_holding_back_its_addresses(proxied: ThreadServer) -> None:
    _add(proxied, "nurse.target", "nurse.colleague")
    with httpx.Client(base_url=proxied.url, timeout=60) as c:
        for i in range(auth.MAX_FAILURES):
            assert _try(c, "nurse.target", "not the password", via=f"203.0.113.{i}").status_code == 401
        assert _try(c, "nurse.target", PASSWORD, via="203.0.113.50").status_code == 401     # locked
        assert _try(c, "nurse.colleague", PASSWORD, via="203.0.113.0").status_code == 302   # address not held
    with proxied.ctx.engine.connect() as conn:
        seen = set(conn.execute(select(login_attempts.c.remote_addr)
                                .where(login_attempts.c.username == "nurse.target")).scalars())
    assert seen == {f"203.0.113.{i}" for i in range(auth.MAX_FAILURES)} | {"203.0.113.50"}


def test_without_trusted_proxies_x_forwarded_for_is_ignored(server: ThreadServer) -> None:
    _add(server, "nurse.direct")
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert _try(c, "nurse.direct", "wrong", via="192.0.2.1").status_code == 401
    with server.ctx.engine.connect() as conn:
        addr = conn.execute(select(login_attempts.c.remote_addr)
                            .where(login_attempts.c.username == "nurse.direct")).scalar_one()
    assert addr == "127.0.0.1"


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIALPRO_TRUSTED_PROXIES", "2")
    assert ServerConfig(data_dir=tmp_path).trusted_proxies == 2
    monkeypatch.setenv("TRIALPRO_TRUSTED_PROXIES", "two")
    with pytest.raises(Exception, match="TRIALPRO_TRUSTED_PROXIES: 'two' is not allowed"):
        ServerConfig(data_dir=tmp_path)


def test_a_slow_password_check_never_holds_the_write_lock(sqlite_server: ThreadServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """While Argon2 runs for one sign-in, a kiosk sync's write transaction starts at once (SQLite has one
    write lock for the whole database: a sign-in that hashed inside BEGIN IMMEDIATE made every sync queue).

    The password check is held open until the write lock was taken (events, not sleeps: on a loaded CI machine a
    fixed pause measured the sign-in's own short audit commit instead of the check); the real Argon2 check then
    runs and refuses."""
    server = sqlite_server
    import threading

    from server.storage.engine import writing

    _add(server, "nurse.slowhash")
    checking, release = threading.Event(), threading.Event()
    real_check = auth._check

    def held_check(password_hash: str, password: str) -> bool:
        checking.set()
        release.wait(60)
        return real_check(password_hash, password)

    monkeypatch.setattr(auth, "_check", held_check)
    refused: list[str] = []

    def wrong_password() -> None:
        try:
            auth.sign_in(server.ctx.engine, "nurse.slowhash", "wrong", "t")
        except auth.SignInRefused as exc:
            refused.append(exc.code)

    locked_during_check: list[bool] = []

    def take_write_lock() -> None:
        with writing(server.ctx.engine):
            locked_during_check.append(not release.is_set())

    signing_in = threading.Thread(target=wrong_password)
    signing_in.start()
    try:
        assert checking.wait(30), "the sign-in never reached its password check"
        locker = threading.Thread(target=take_write_lock)
        locker.start()
        locker.join(20)
        took_it = locker.is_alive() is False and locked_during_check == [True]
    finally:
        release.set()
        signing_in.join(60)
    locker.join(60)
    assert took_it, "a write transaction could not start while a sign-in's password check was running"
    assert refused == ["auth.sign_in_refused"]
