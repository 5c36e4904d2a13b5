"""Whole-database copies for backup and restore: SQLite's online backup API, or pg_dump / psql.

The only place that copies or loads a database wholesale. A copy is one consistent snapshot taken while
the server keeps running (SQLite: a read transaction of the backup API; PostgreSQL: pg_dump's snapshot).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect

from shared.errors import DatabaseCopyFailed


def kind(engine: Engine) -> str:
    """'sqlite' or 'postgresql'."""
    return "sqlite" if engine.dialect.name == "sqlite" else "postgresql"


def sqlite_path(engine: Engine) -> Path:
    """The SQLite database file behind ``engine``."""
    return Path(str(engine.url.database))


def copy_sqlite(engine: Engine, dest: Path) -> None:
    """Copy the live SQLite database into the new file ``dest`` with the online backup API (one snapshot;
    writers keep going meanwhile and are not blocked: the source is in WAL mode)."""
    src = sqlite3.connect(f"file:{sqlite_path(engine)}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file in the archive
    finally:
        dst.close()
        src.close()


def _run(tool: str, *args: str, password: str | None) -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise DatabaseCopyFailed(f"`{tool}` is not installed: install the PostgreSQL client tools "
                                 "(Debian: apt-get install postgresql-client) and run the command again.")
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    res = subprocess.run([exe, *args], capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        first = (res.stderr.strip().splitlines() or ["no message"])[0]
        raise DatabaseCopyFailed(f"`{tool}` failed ({first}); nothing was changed. Check DATABASE_URL.")


def dump_postgres(engine: Engine, dest: Path) -> None:
    """pg_dump (plain SQL, no owners or grants) of the database behind ``engine`` into ``dest``."""
    _run("pg_dump", "--no-owner", "--no-privileges", "--file", str(dest),
         "--dbname", engine.url.set(drivername="postgresql", password=None).render_as_string(),
         password=engine.url.password)


def load_postgres(engine: Engine, dump: Path) -> None:
    """Load a pg_dump file into the (empty) database behind ``engine``, all or nothing."""
    if inspect(engine).get_table_names():
        raise DatabaseCopyFailed(f"The database {engine.url.database!r} is not empty: restore into a new, empty "
                                 "PostgreSQL database (createdb NAME) and point DATABASE_URL at it.")
    _run("psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--file", str(dump),
         "--dbname", engine.url.set(drivername="postgresql", password=None).render_as_string(),
         password=engine.url.password)
