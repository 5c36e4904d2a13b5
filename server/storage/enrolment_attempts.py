"""Queries for kiosk enrolment attempts (rate limiting per client address and per code)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select

from server.storage.tables import enrolment_attempts


def add_attempt(conn: Connection, *, remote_addr: str, code_digest: str | None, at: str, succeeded: bool) -> None:
    """Remember one enrolment attempt (the code only as its digest; None when the text was not a code)."""
    conn.execute(insert(enrolment_attempts).values(remote_addr=remote_addr, code_digest=code_digest, at=at,
                                                   succeeded=succeeded))


def failures_from(conn: Connection, remote_addr: str, since: str) -> int:
    """Failed attempts from this client address at or after ``since``."""
    return conn.execute(select(func.count()).select_from(enrolment_attempts).where(
        enrolment_attempts.c.remote_addr == remote_addr, enrolment_attempts.c.succeeded.is_(False),
        enrolment_attempts.c.at >= since)).scalar_one()


def failures_of_code(conn: Connection, code_digest: str, since: str) -> int:
    """Failed attempts with this code (from any address) at or after ``since``."""
    return conn.execute(select(func.count()).select_from(enrolment_attempts).where(
        enrolment_attempts.c.code_digest == code_digest, enrolment_attempts.c.succeeded.is_(False),
        enrolment_attempts.c.at >= since)).scalar_one()


def purge_before(conn: Connection, before: str) -> int:
    """Delete attempts older than ``before`` (the limit looks back minutes); returns how many went."""
    return conn.execute(delete(enrolment_attempts).where(enrolment_attempts.c.at < before)).rowcount
