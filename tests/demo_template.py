"""The demo data seeded once per test session and copied for each test that starts from it.

Seeding the demo (the real sync path, Argon2 for three accounts) costs seconds; copying a SQLite data folder or
making a PostgreSQL database with ``CREATE DATABASE … TEMPLATE`` costs milliseconds. Each test still gets its own
data folder and database, so tests never see each other's writes. A template is made per database kind, study,
UTC day (the demo is dated from today) and ``as_of``, in the worker process that asks for it.

The demo admin's password is the one thing of the demo a test chooses, and it changes nothing but that account's
hash: the copy gets the test's password (refused as `seed_demo` refuses a weak one), so one template serves every
password.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, update

from server.app import ServerContext, open_context
from server.config import ServerConfig
from server.services.demo import DEMO_ADMIN, seed_demo
from server.storage.tables import users
from shared.passwords import check_password
from shared.study.loader import DEFAULT_STUDY_FILE
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
        self._made: dict[tuple[str, str, date, date | None], _Template] = {}

    def context(self, data_dir: Path, *, admin_password: str, cluster: PostgresCluster | None = None,
                study_file: Path | None = None, as_of: date | None = None) -> ServerContext:
        """An opened context on a fresh copy of the demo data in ``data_dir`` (on ``cluster`` when given), seeded
        as `seed_demo` seeds it with ``admin_password`` (``as_of``: the demo as of that day)."""
        key = ("postgresql" if cluster else "sqlite", str(study_file or DEFAULT_STUDY_FILE),
               datetime.now(UTC).date(), as_of)
        template = self._made.get(key) or self._make(key, cluster, study_file, as_of)
        shutil.copytree(template.data_dir, data_dir, dirs_exist_ok=True)
        url = cluster.new_database(template=template.database) if cluster and template.database else None
        ctx = open_context(ServerConfig(data_dir=data_dir, database_url=url, testing=True, study_file=study_file))
        with ctx.engine.begin() as conn:
            admin = users.c.username == DEMO_ADMIN
            check_password(admin_password, known_words=(DEMO_ADMIN, conn.execute(
                select(users.c.display_name).where(admin)).scalar_one()))
            # under cheap Argon2id parameters (read from the hash at sign-in): every browser and page test signs
            # in as the demo admin, and the default hash costs ~0.2 CPU-s a sign-in on low-priority threads that
            # wait behind the other worker's tests on a busy machine
            conn.execute(update(users).where(admin).values(password_hash=FAST_HASHER.hash(admin_password)))
        return ctx

    def _make(self, key: tuple[str, str, date, date | None], cluster: PostgresCluster | None,
              study_file: Path | None, as_of: date | None) -> _Template:
        data_dir = self.root / f"demo-{len(self._made)}"
        url = cluster.new_database() if cluster else None
        ctx = open_context(ServerConfig(data_dir=data_dir, database_url=url, testing=True, study_file=study_file))
        try:
            with ctx.engine.begin() as conn:   # each copy gets its own admin password
                seed_demo(conn, ctx.study, admin_password=secrets.token_urlsafe(24), as_of=as_of)
        finally:
            ctx.engine.dispose()   # a template database must have no open connection when it is copied
        self._made[key] = template = _Template(data_dir, url.rsplit("/", 1)[1] if url else None)
        return template
