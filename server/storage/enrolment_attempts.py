"""Queries for kiosk enrolment attempts (rate limiting per client address and per code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, literal, select

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


def failures_from_and_of_code(conn: Connection, remote_addr: str, code_digest: str | None,
                              since: str) -> tuple[int, int]:
    """``failures_from`` and ``failures_of_code`` (0 without a code) in one statement: every enrolment asks both."""
    c = enrolment_attempts.c

    def failed(*where: Any) -> Any:
        return (select(func.count()).select_from(enrolment_attempts)
                .where(*where, c.succeeded.is_(False), c.at >= since).scalar_subquery())

    of_code = failed(c.code_digest == code_digest) if code_digest is not None else literal(0)
    row = conn.execute(select(failed(c.remote_addr == remote_addr), of_code)).one()
    return int(row[0]), int(row[1])


def failures_of_code(conn: Connection, code_digest: str, since: str) -> int:
    """Failed attempts with this code (from any address) at or after ``since``."""
    return conn.execute(select(func.count()).select_from(enrolment_attempts).where(
        enrolment_attempts.c.code_digest == code_digest, enrolment_attempts.c.succeeded.is_(False),
        enrolment_attempts.c.at >= since)).scalar_one()


def purge_before(conn: Connection, before: str) -> int:
    """Delete attempts older than ``before`` (the limit looks back minutes); returns how many went."""
    return conn.execute(delete(enrolment_attempts).where(enrolment_attempts.c.at < before)).rowcount
