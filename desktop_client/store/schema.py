"""Client schema versions: numbered SQL files in migrations/client/, applied in order, each in a transaction.

The version lives in ``PRAGMA user_version`` inside the encrypted file. A file
from a newer trialpro is refused rather than guessed at.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources
from typing import Any

from shared.errors import StoreTooNew

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def client_migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every client migration shipped, in order."""
    folder = resources.files("migrations") / "client"
    out = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            out.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    out.sort()
    numbers = [n for n, _, _ in out]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"client migrations must be numbered 1..N without gaps, found {numbers}")
    return out


def statements(sql: str) -> list[str]:
    """Split a migration into complete statements (executescript would commit mid-way)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def current_version(conn: Any) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def latest_version() -> int:
    return len(client_migrations())


def check_supported(conn: Any) -> None:
    """Refuse, before anything is written, a database made by a newer trialpro. Raises StoreTooNew."""
    have, known = current_version(conn), latest_version()
    if have > known:
        raise StoreTooNew(f"This station database has schema version {have}, but this trialpro knows only "
                          f"up to {known}. Install the newer trialpro version it was made with; "
                          "nothing was changed.", details={"found": have, "supported": known})


def upgrade(conn: Any, *, target: int | None = None) -> int:
    """Bring the database to ``target`` (default: the latest schema); returns the version reached.

    Every missing step runs inside ONE transaction together with the new ``user_version``: a failure
    (or a crash) leaves the database exactly at the version it had. Raises StoreTooNew.
    """
    check_supported(conn)
    migrations = client_migrations()
    target = len(migrations) if target is None else target
    have = current_version(conn)
    pending = [m for m in migrations if have < m[0] <= target]
    if not pending:
        return have
    conn.execute("BEGIN IMMEDIATE")
    try:
        for _number, _name, sql in pending:
            for stmt in statements(sql):
                conn.execute(stmt)
        conn.execute(f"PRAGMA user_version = {int(pending[-1][0])}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return current_version(conn)
