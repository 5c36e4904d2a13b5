"""Queries on ``staff_sessions``: the server-side record of every open staff session.

The cookie carries a random token; only its SHA-256 is stored here, so reading the
database does not hand anyone a usable session. Times are ISO 8601 UTC strings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from server.storage.tables import staff_sessions


def create(conn: Connection, *, digest: str, username: str, now: str, expires_at: str, remote_addr: str) -> None:
    """Open a session (the digest of a fresh random token)."""
    conn.execute(insert(staff_sessions).values(session_digest=digest, username=username, created_at=now,
                                               last_seen_at=now, expires_at=expires_at, remote_addr=remote_addr))


def find(conn: Connection, digest: str) -> Any:
    """The session row with this digest, or None."""
    return conn.execute(select(staff_sessions).where(staff_sessions.c.session_digest == digest)).first()


def touch(conn: Connection, digest: str, now: str) -> None:
    """Record activity on a session (moves its idle deadline)."""
    conn.execute(update(staff_sessions).where(staff_sessions.c.session_digest == digest).values(last_seen_at=now))


def delete_one(conn: Connection, digest: str) -> None:
    conn.execute(delete(staff_sessions).where(staff_sessions.c.session_digest == digest))


def delete_for_user(conn: Connection, username: str) -> int:
    """End every session of one account; returns how many there were."""
    return conn.execute(delete(staff_sessions).where(staff_sessions.c.username == username)).rowcount or 0


def delete_stale(conn: Connection, *, now: str, idle_before: str) -> int:
    """Forget sessions past their absolute end or idle since before ``idle_before``."""
    return conn.execute(delete(staff_sessions).where(or_(staff_sessions.c.expires_at <= now,
                                                         staff_sessions.c.last_seen_at < idle_before))).rowcount or 0


def count_for_user(conn: Connection, username: str) -> int:
    return len(conn.execute(select(staff_sessions.c.session_digest)
                            .where(staff_sessions.c.username == username)).all())


def mark_signed(conn: Connection, digest: str, at: str) -> None:
    """Note the session's first e-signature (later ones in the same session need only the password)."""
    conn.execute(update(staff_sessions).where(staff_sessions.c.session_digest == digest,
                                              staff_sessions.c.signed_at.is_(None)).values(signed_at=at))
