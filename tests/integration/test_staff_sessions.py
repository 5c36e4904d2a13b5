"""Server-side staff sessions over real HTTP: a copied cookie dies at sign-out, disable, reset and role change.

Each browser is an httpx client; "copying the cookie" is building a second client
with the first one's cookie jar, as someone who read it off a shared computer would.
"""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select, update

from server.services.accounts import change_roles, disable_user, reset_password
from server.services.users import add_user
from server.storage.tables import staff_sessions
from tests.live_server import ThreadServer

PASSWORD = "session-test-password"


def _add(server: ThreadServer, username: str, role: str = "admin") -> None:
    with server.ctx.engine.begin() as conn:
        add_user(conn, username=username, password=PASSWORD, roles=[role], sites=["PKU"], actor="test")


def _csrf(client: httpx.Client, path: str = "/signin") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore


def _signed_in(server: ThreadServer, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    r = client.post("/signin", data={"csrf_token": _csrf(client), "username": username, "password": PASSWORD})
    assert r.status_code == 302, r.text[:300]
    return client


def _copy(server: ThreadServer, client: httpx.Client) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30, cookies=dict(client.cookies.items()))


def _sign_out(client: httpx.Client) -> None:
    token = client.get("/api/v1/admin/session").json()["csrf_token"]
    assert client.post("/signout", data={"csrf_token": token}).status_code == 302


def test_a_cookie_copied_before_sign_out_stops_working(server: ThreadServer) -> None:
    _add(server, "admin.copy")
    browser = _signed_in(server, "admin.copy")
    thief = _copy(server, browser)
    assert thief.get("/dashboard").status_code == 200
    _sign_out(browser)
    assert thief.get("/dashboard").status_code == 401
    assert thief.get("/api/v1/admin/session").status_code == 401
    assert browser.get("/dashboard").status_code == 401


def test_signing_out_ends_every_session_of_the_account(server: ThreadServer) -> None:
    _add(server, "admin.two")
    office, ward = _signed_in(server, "admin.two"), _signed_in(server, "admin.two")
    _sign_out(office)
    assert ward.get("/dashboard").status_code == 401


def test_disable_reset_and_role_change_end_every_session(server: ThreadServer) -> None:
    for name in ("dm.disable", "dm.reset", "dm.roles"):
        _add(server, name, "data_manager")
    gone = {name: _signed_in(server, name) for name in ("dm.disable", "dm.reset", "dm.roles")}
    assert all(c.get("/dashboard").status_code == 200 for c in gone.values())
    with server.ctx.engine.begin() as conn:
        disable_user(conn, "dm.disable", actor="test")
        reset_password(conn, "dm.reset", actor="test")
        change_roles(conn, "dm.roles", roles=["monitor"], sites=["PKU"], actor="test", valid_site_ids={"PKU"})
    for name, client in gone.items():
        assert client.get("/dashboard").status_code == 401, name
    again = _signed_in(server, "dm.roles")
    assert again.get("/api/v1/admin/session").json()["roles"] == ["monitor"]


def test_sign_in_gives_a_new_session_id_and_forgets_the_old_one(server: ThreadServer) -> None:
    _add(server, "admin.fix")
    browser = _signed_in(server, "admin.fix")
    before = _copy(server, browser)
    r = browser.post("/signin", data={"csrf_token": _csrf(browser, "/dashboard"), "username": "admin.fix",
                                      "password": PASSWORD})
    assert r.status_code == 302
    assert browser.cookies["trialpro_session"] != before.cookies["trialpro_session"]
    assert before.get("/dashboard").status_code == 401
    assert browser.get("/dashboard").status_code == 200


def test_idle_and_too_old_sessions_end(server: ThreadServer) -> None:
    _add(server, "admin.idle")
    _add(server, "admin.old")
    idle, old = _signed_in(server, "admin.idle"), _signed_in(server, "admin.old")
    with server.ctx.engine.begin() as conn:
        conn.execute(update(staff_sessions).where(staff_sessions.c.username == "admin.idle")
                     .values(last_seen_at="2000-01-01T00:00:00.000Z"))
        conn.execute(update(staff_sessions).where(staff_sessions.c.username == "admin.old")
                     .values(expires_at="2000-01-01T00:00:00.000Z"))
    assert idle.get("/dashboard").status_code == 401
    assert old.get("/dashboard").status_code == 401
    with server.ctx.engine.connect() as conn:
        left = conn.execute(select(staff_sessions.c.username)
                            .where(staff_sessions.c.username.in_(["admin.idle", "admin.old"]))).all()
    assert left == []


def test_the_database_holds_only_a_digest_of_the_session_token(server: ThreadServer) -> None:
    _add(server, "admin.digest")
    browser = _signed_in(server, "admin.digest")
    with server.ctx.engine.connect() as conn:
        row = conn.execute(select(staff_sessions).where(staff_sessions.c.username == "admin.digest")).one()
    assert len(row.session_digest) == 64
    assert row.session_digest not in browser.cookies["trialpro_session"]


def test_changing_ones_password_shows_why_a_weak_one_is_refused_and_ends_other_sessions(
        server: ThreadServer) -> None:
    _add(server, "nurse.own", "nurse")
    browser = _signed_in(server, "nurse.own")
    elsewhere = _signed_in(server, "nurse.own")
    token = browser.get("/api/v1/admin/session").json()["csrf_token"]

    def change(current: str, new: str) -> httpx.Response:
        return browser.post("/account/password", data={"csrf_token": token, "current_password": current,
                                                        "password": new})

    weak = change(PASSWORD, "aaaaaaaaaaaa")
    assert weak.status_code == 400 and "easily guessed" in weak.text and "Repeats" in weak.text
    short = change(PASSWORD, "short")
    assert short.status_code == 400 and "at least 12 characters" in short.text
    wrong = change("not my password", "a-much-better-passphrase")
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    assert elsewhere.get("/dashboard").status_code == 200          # nothing changed yet
    done = change(PASSWORD, "a-much-better-passphrase")
    assert done.status_code == 302
    assert browser.get("/dashboard").status_code == 200           # this browser got a new session
    assert elsewhere.get("/dashboard").status_code == 401         # every other one ended
    fresh = httpx.Client(base_url=server.url, timeout=30)
    r = fresh.post("/signin", data={"csrf_token": _csrf(fresh), "username": "nurse.own",
                                    "password": "a-much-better-passphrase"})
    assert r.status_code == 302
