"""The demo data seeded once per test session and copied for each test that starts from it.

Seeding the demo (the real sync path, Argon2 for three accounts) costs seconds; copying a SQLite data folder or
making a PostgreSQL database with ``CREATE DATABASE … TEMPLATE`` costs milliseconds. Each test still gets its own
data folder and database, so tests never see each other's writes. A template is made per database kind, study,
admin password, UTC day (the demo is dated from today) and ``as_of``, in the worker process that asks for it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import update

from server.app import ServerContext, open_context
from server.config import ServerConfig
from server.services.demo import DEMO_ADMIN, seed_demo
from server.storage.tables import users
from tests.factories import FAST_HASHER
from tests.postgres import PostgresCluster


@dataclass(frozen=True)
class _Template:
    data_dir: Path
    database: str | None   # the PostgreSQL template database, None on SQLite


class DemoTemplates:
    """Seeded demo folders (and PostgreSQL template databases), each made on first use and then copied."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict[tuple[str, str, str, date, date | None], _Template] = {}

    def context(self, data_dir: Path, *, admin_password: str, cluster: PostgresCluster | None = None,
                study_file: Path | None = None, as_of: date | None = None) -> ServerContext:
        """An opened context on a fresh copy of the demo data in ``data_dir`` (on ``cluster`` when given), seeded
        as `seed_demo` seeds it (``as_of``: the demo as of that day)."""
        key = ("postgresql" if cluster else "sqlite", str(study_file), admin_password, datetime.now(UTC).date(), as_of)
        template = self._made.get(key) or self._make(key, admin_password, cluster, study_file, as_of)
        shutil.copytree(template.data_dir, data_dir, dirs_exist_ok=True)
        url = cluster.new_database(template=template.database) if cluster and template.database else None
        return open_context(ServerConfig(data_dir=data_dir, database_url=url, testing=True, study_file=study_file))

    def _make(self, key: tuple[str, str, str, date, date | None], admin_password: str,
              cluster: PostgresCluster | None, study_file: Path | None, as_of: date | None) -> _Template:
        data_dir = self.root / f"demo-{len(self._made)}"
        url = cluster.new_database() if cluster else None
        ctx = open_context(ServerConfig(data_dir=data_dir, database_url=url, testing=True, study_file=study_file))
        try:
            with ctx.engine.begin() as conn:
                seed_demo(conn, ctx.study, admin_password=admin_password, as_of=as_of)
                # the same password under cheap Argon2id parameters (read from the hash at sign-in): every browser
                # and page test signs in as the demo admin, and the default hash costs ~0.2 CPU-s a sign-in on
                # low-priority threads that wait behind the other worker's tests on a busy machine
                conn.execute(update(users).where(users.c.username == DEMO_ADMIN)
                             .values(password_hash=FAST_HASHER.hash(admin_password)))
        finally:
            ctx.engine.dispose()   # a template database must have no open connection when it is copied
        self._made[key] = template = _Template(data_dir, url.rsplit("/", 1)[1] if url else None)
        return template
