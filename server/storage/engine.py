"""Opening the server database: SQLite in the data dir by default (WAL), PostgreSQL when DATABASE_URL says so.

SQLite transactions start with BEGIN IMMEDIATE so that concurrent writers queue
instead of failing half-way; every connection gets WAL, synchronous=FULL, a
busy timeout, and leaves WAL checkpoints to ``server.storage.wal_checkpoint``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError

from server.storage.wal_checkpoint import BACKSTOP_PAGES, after_write
from server.storage.writer_turn import writer_turn

SQLITE_FILE = "trialpro.sqlite3"
READ_ONLY = "trialpro_read_only"


def database_url(data_dir: Path | None) -> str:
    """DATABASE_URL when set (postgresql://… becomes psycopg 3), else the SQLite file in ``data_dir``."""
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    if data_dir is None:
        raise ValueError("either DATABASE_URL or a data directory is needed")
    return f"sqlite:///{Path(data_dir).resolve() / SQLITE_FILE}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 30000")
    # the log is checkpointed after each writer's turn (server.storage.wal_checkpoint), not in its COMMIT
    cur.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
    cur.close()


def make_engine(url: str) -> Engine:
    """An Engine for ``url`` with our SQLite settings applied on every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # writers queue for the write lock up front; readers take a WAL snapshot and block nobody
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("migrations") / "server"))
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest Alembic revision (idempotent)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A unit of work that only reads: a connection seeing one consistent snapshot for its whole life.

    On SQLite it starts a deferred transaction (a WAL reader: it neither waits for nor blocks the sync's
    writer, unlike the BEGIN IMMEDIATE of writing transactions); on PostgreSQL it runs at REPEATABLE READ so a
    multi-file export is consistent across its files. Use ``writing`` for anything that writes.
    """
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect() as conn:
        yield conn.execution_options(**options)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A unit of work that writes: one transaction, committed when the block ends, rolled back on any error.

    Services and pages open it and hand the connection to the ``server.storage`` query functions, so every
    change of one request (and its audit entries) commits or vanishes together. On SQLite it starts with
    BEGIN IMMEDIATE: writers queue for the lock up front instead of failing half-way, and take turns in the
    order they came (``server.storage.writer_turn``) rather than polling for it, and the WAL is copied into the
    database file after the turn, beside the next writers (``server.storage.wal_checkpoint``).
    """
    database = _sqlite_file(engine)
    with writer_turn(database), engine.begin() as conn:
        yield conn
    after_write(database)


def _sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None for PostgreSQL or an in-memory database)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return Path(engine.url.database)


def ping(conn: Connection) -> None:
    """A trivial round trip to the database (health checks); raises the driver's error if it is down."""
    conn.exec_driver_sql("SELECT 1")


# What a query can raise when the database refuses the transaction (lock timeout, a racing duplicate, a
# restart): the transaction was rolled back and nothing of it is stored, so the request may be retried.
DATABASE_REFUSALS: tuple[type[Exception], ...] = (IntegrityError, OperationalError)
