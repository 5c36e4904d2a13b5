"""Queries for the server's key/value settings (e.g. when the demo data were seeded)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from server.storage.tables import settings


def setting(conn: Connection, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    return conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar_one_or_none()


def add_setting(conn: Connection, key: str, value: str) -> None:
    """Store a new setting (a key is written once; a second write raises IntegrityError)."""
    conn.execute(insert(settings).values(key=key, value=value))
