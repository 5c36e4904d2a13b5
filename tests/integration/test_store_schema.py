"""Client schema versions: an older station file is upgraded inside one transaction, never half-way."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import create_store, keys, open_store, outbox, schema
from desktop_client.store import station as settings
from shared.errors import StoreWriteFailed
from shared.study import default_study
from tests.factories import FAST_KDF, PASSPHRASE


def _station_at_version_1(data: Path) -> str:
    """A station as trialpro with only migration 0001 made it, holding one saved VAS; returns its id."""
    store, _recovery = create_store(data, PASSPHRASE, kdf=FAST_KDF, schema_version=1)
    try:
        assert schema.current_version(store.conn) == 1
        assert not store.db["staff"].exists()
        settings.put(store, {settings.DEVICE_ID: "dev-old", settings.SITE_ID: "PKU"})
        with store.transaction() as conn:
            conn.execute("INSERT INTO participants (participant_id, site_id, arm, status, source)"
                         " VALUES ('PKU-001', 'PKU', 'RAPA', 'enrolled', 'local')")
        station = Station(store=store, study=default_study())
        return recording.record_vas(station, participant_id="PKU-001", visit_id="baseline", vas_mm=44)["record_id"]
    finally:
        store.close()


def _raw(data: Path) -> sqlcipher3.Connection:
    """The file as it is on disk, without the store's upgrade-on-open."""
    conn = sqlcipher3.connect(str(data / "station.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{keys.unlock(data, PASSPHRASE).hex()}'\"")
    return conn


def test_opening_a_version_1_station_upgrades_it_and_keeps_its_data(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    record_id = _station_at_version_1(data)

    store = open_store(data, PASSPHRASE)
    try:
        assert schema.current_version(store.conn) == schema.latest_version() >= 3
        assert store.db["staff"].exists() and store.db["witness"].exists()
        assert store.query("SELECT record_id FROM records") == [{"record_id": record_id}]
        assert outbox.stats(store).pending == 1
        assert settings.get(store, settings.DEVICE_ID) == "dev-old"
        assert store.check_integrity() == []
    finally:
        store.close()


def test_a_failing_upgrade_leaves_the_station_exactly_at_its_old_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "kiosk"
    record_id = _station_at_version_1(data)
    real = schema.client_migrations()
    broken = (len(real) + 1, f"{len(real) + 1:04d}_broken.sql",
              "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n")
    monkeypatch.setattr(schema, "client_migrations", lambda: [*real, broken])

    with pytest.raises(StoreWriteFailed, match="no such table: no_such_table"):
        open_store(data, PASSPHRASE)

    conn = _raw(data)
    try:
        # the shipped steps ran fine and the broken last one failed half-way: the single upgrade transaction
        # kept none of them.
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "staff" not in tables and "half_done" not in tables
        assert conn.execute("SELECT record_id FROM records").fetchall() == [(record_id,)]
    finally:
        conn.close()

    monkeypatch.setattr(schema, "client_migrations", lambda: real)
    store = open_store(data, PASSPHRASE)  # the fixed release upgrades it normally
    try:
        assert schema.current_version(store.conn) == len(real)
    finally:
        store.close()


def test_shipped_migrations_are_numbered_without_gaps_and_split_into_whole_statements() -> None:
    migrations = schema.client_migrations()
    assert [n for n, _name, _sql in migrations] == list(range(1, len(migrations) + 1))
    for _n, name, sql in migrations:
        parts = schema.statements(sql)
        assert parts and all(p.rstrip().endswith(";") for p in parts), name
        assert not any(p.upper().startswith(("BEGIN", "COMMIT", "PRAGMA")) for p in parts), \
            f"{name}: the runner owns the transaction and the version"
