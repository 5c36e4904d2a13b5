"""Shared fixtures: real servers on 127.0.0.1, real SQLCipher stations, a real PostgreSQL cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.live_server import ThreadServer, free_port, thread_server
from tests.postgres import PostgresCluster

# Property tests check behaviour, never speed (that is bench/'s job): no per-example deadline and no "too slow"
# health check, which failed the RFC 8785 property test on a busy 2-core machine although every example held.
settings.register_profile("trialpro", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("trialpro")

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(free_port()).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None (SQLite in the data dir) or a fresh PostgreSQL database: server tests run on both."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_cluster").new_database()


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[ThreadServer]:
    with thread_server(tmp_path / "server", database_url) as srv:
        yield srv


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[ThreadServer]:
    with thread_server(tmp_path / "server", None) as srv:
        yield srv


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
