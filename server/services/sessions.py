"""Server-side staff sessions: opened at sign-in, checked on every request, ended for good.

The cookie holds only a random token; the ``staff_sessions`` row (keyed by the token's
SHA-256) decides whether it still works. Sign-out, disable, password reset and a role
change delete every row of the account at once, so a cookie copied earlier stops working
at its next request. A session also ends after ``idle`` without a request and, whatever
the activity, ``lifetime`` after sign-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine

from server.storage import sessions as rows
from server.storage.engine import reading, writing
from shared.crypto import new_token, token_digest

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)     # activity is written at most this often (a page view rarely writes)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def open_session(conn: Connection, username: str, remote_addr: str, *, lifetime: timedelta = LIFETIME,
                 replaces: str | None = None) -> str:
    """A new session for ``username``; returns its token (for the cookie only). ``replaces``: the token the
    browser had before sign-in, forgotten so that a planted session id never becomes a signed-in one."""
    if replaces:
        rows.delete_one(conn, token_digest(replaces))
    now = datetime.now(UTC)
    token = new_token()
    rows.create(conn, digest=token_digest(token), username=username, now=_iso(now),
                expires_at=_iso(now + lifetime), remote_addr=remote_addr[:64])
    rows.delete_stale(conn, now=_iso(now), idle_before=_iso(now - LIFETIME))
    return token


def session_user(engine: Engine, token: str, *, idle: timedelta = IDLE) -> str | None:
    """The account behind a live session token, or None (unknown, ended, idle too long, past its lifetime).

    Reads in a snapshot; writes only to record activity, at most once per TOUCH_EVERY.
    """
    digest = token_digest(token)
    now = datetime.now(UTC)
    with reading(engine) as conn:
        row = rows.find(conn, digest)
    if row is None:
        return None
    last_seen = datetime.fromisoformat(row.last_seen_at.replace("Z", "+00:00"))
    if row.expires_at <= _iso(now) or now - last_seen >= idle:
        with writing(engine) as conn:
            rows.delete_one(conn, digest)
        return None
    if now - last_seen >= TOUCH_EVERY:
        with writing(engine) as conn:
            rows.touch(conn, digest, _iso(now))
    return str(row.username)


def end_session(conn: Connection, token: str) -> None:
    """Forget one session (a browser signing out without a live session)."""
    rows.delete_one(conn, token_digest(token))


def end_all_sessions(conn: Connection, username: str) -> int:
    """End every session of one account now (sign-out, disable, reset, role change)."""
    return rows.delete_for_user(conn, username)


def has_signed(engine: Engine, token: str) -> bool:
    """Whether this continuous session already made an e-signature with user id and password (§11.200(a)(1))."""
    with reading(engine) as conn:
        row = rows.find(conn, token_digest(token))
    return row is not None and row.signed_at is not None


def note_signing(conn: Connection, token: str, at: str) -> None:
    """Remember, in the caller's transaction, that this session signed (its next signing asks the password only)."""
    rows.mark_signed(conn, token_digest(token), at)
