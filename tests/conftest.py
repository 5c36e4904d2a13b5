"""Shared fixtures: real servers on 127.0.0.1, real SQLCipher stations, a real PostgreSQL cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.demo_template import DemoTemplates
from tests.live_server import ThreadServer, free_port, serving, thread_server
from tests.migrated_template import MigratedTemplates
from tests.postgres import PostgresCluster

# Property tests check behaviour, never speed (that is bench/'s job): no per-example deadline and no "too slow"
# health check, which failed the RFC 8785 property test on a busy 2-core machine although every example held.
settings.register_profile("trialpro", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("trialpro")

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker starts its own session, hence its own scheduler autogroup on Linux, as a
    server process has its own in production. A sign-in's Argon2 check runs at the lowest CPU priority
    (server/services/auth.py), which Linux weighs against the threads of the same autogroup: with both workers in
    the one session CI starts, it waited behind the other worker's tests (seconds, and past the browser tests'
    timeouts on a busy machine); in its own worker's group it waits only behind its own server's requests."""
    if os.environ.get("PYTEST_XDIST_WORKER") and hasattr(os, "setsid"):
        try:
            os.setsid()
        except PermissionError:   # already a session leader: already its own group
            pass


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    for attempt in range(3):   # a free port can be taken between the check and pg_ctl (another worker, process)
        cluster = PostgresCluster(free_port(), in_memory=True)
        try:
            cluster.start()
            break
        except subprocess.CalledProcessError:
            shutil.rmtree(cluster.dir, ignore_errors=True)
            if attempt == 2:
                raise
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_kind(request: pytest.FixtureRequest) -> str:
    """Which database a server test runs on: every server test runs on both."""
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    """An empty database at the newest schema, made once per session and database kind and copied per test."""
    return MigratedTemplates(tmp_path_factory.mktemp("migrated-template"))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_kind: str,
                 migrated_templates: MigratedTemplates) -> str | None:
    """None (SQLite in the data dir) or a new PostgreSQL database: a copy of the session's migrated template, as
    new as a database that ``open_context`` has just migrated (it finds the newest revision and does nothing)."""
    if database_kind == "sqlite":
        return None
    return migrated_templates.postgres_copy(request.getfixturevalue("pg_cluster"))


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplates:
    """The demo data seeded once per session (per database, study and password), copied for each test."""
    return DemoTemplates(tmp_path_factory.mktemp("demo-templates"))


@pytest.fixture
def demo_cluster(request: pytest.FixtureRequest, database_kind: str) -> PostgresCluster | None:
    """The session's PostgreSQL cluster for a test on PostgreSQL (where its demo copy goes), None on SQLite."""
    return request.getfixturevalue("pg_cluster") if database_kind == "postgresql" else None


@pytest.fixture
def demo_admin_password() -> str:
    """The demo admin's password in ``demo_server``; a test module overrides it to sign in with its own."""
    return "demo-admin-password-for-tests"


@pytest.fixture
def demo_server(tmp_path: Path, demo_cluster: PostgresCluster | None, demo_templates: DemoTemplates,
                demo_admin_password: str) -> Iterator[ThreadServer]:
    """A real server on its own copy of the demo data (what `seed_demo` stores), on SQLite and PostgreSQL."""
    with serving(demo_templates.context(tmp_path / "server", admin_password=demo_admin_password,
                                        cluster=demo_cluster)) as srv:
        yield srv


@pytest.fixture
def server(tmp_path: Path, database_url: str | None, migrated_templates: MigratedTemplates) -> Iterator[ThreadServer]:
    if database_url is None:
        migrated_templates.sqlite_copy(tmp_path / "server")
    with thread_server(tmp_path / "server", database_url) as srv:
        yield srv


@pytest.fixture
def sqlite_server(tmp_path: Path, migrated_templates: MigratedTemplates) -> Iterator[ThreadServer]:
    migrated_templates.sqlite_copy(tmp_path / "server")
    with thread_server(tmp_path / "server", None) as srv:
        yield srv


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
