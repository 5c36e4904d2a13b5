"""`trialpro-server backup` / `restore`: a backup taken while a kiosk syncs restores to a data folder where
`audit verify` holds and every record acknowledged before the backup started is present.

Real server on 127.0.0.1 (SQLite and PostgreSQL), a real kiosk syncing in a thread, the real CLI in children for
the round trip, in the test process for the refusals and the signing key.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop_client.services import recording
from desktop_client.store import outbox
from server.app import open_context
from server.config import ServerConfig
from server.storage.tables import records
from shared.errors import TrialproError
from tests.cli_in_process import server_cli
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer

PASSPHRASE = "backup passphrase for the tests"


def cli(*args: str, env: dict[str, str] | None = None, child: bool = False) -> subprocess.CompletedProcess[str]:
    """`trialpro-server ARGS` with ``env`` added to the environment: in this process (tests.cli_in_process), or
    with ``child`` in a real child process (the round trip below: the installed command's contract)."""
    if not child:
        return server_cli(*args, env=env)
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def _db_env(url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    return env


def test_a_backup_during_a_sync_restores_with_the_chain_holding_and_nothing_acknowledged_lost(
        tmp_path: Path, server: ThreadServer, database_url: str | None, request: pytest.FixtureRequest) -> None:
    data_dir = server.ctx.config.data_dir
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    assert cli("audit", "checkpoint", "--data-dir", str(data_dir), env=_db_env(database_url),
               child=True).returncode == 0
    synced: list[tuple[float, float, list[str]]] = []   # (sync started, sync returned, ids it acknowledged)
    stop, failures = threading.Event(), []

    def kiosk_day() -> None:
        try:
            while not stop.is_set():
                ids = [recording.record_vas(station, participant_id=pid, visit_id="unscheduled",
                                            vas_mm=len(synced) % 101)["record_id"] for _ in range(3)]
                started = time.monotonic()
                report = engine.sync()
                assert not report.rejected and not report.conflicts and outbox.stats(station.store).size == 0
                synced.append((started, time.monotonic(), ids))
        except (AssertionError, TrialproError) as exc:  # reported by the main thread
            failures.append(exc)

    worker = threading.Thread(target=kiosk_day, daemon=True)
    worker.start()
    while len(synced) < 3 and not failures:
        time.sleep(0.05)
    archive = tmp_path / "backup.tar.gz"
    began = time.monotonic()
    made = cli("backup", "--data-dir", str(data_dir), "--out", str(archive), "--include-signing-key",
               env={**_db_env(database_url), "TRIALPRO_BACKUP_PASSPHRASE": PASSPHRASE}, child=True)
    ended = time.monotonic()
    time.sleep(0.3)
    stop.set()
    worker.join(timeout=60)
    engine.close()
    assert not failures, failures
    assert made.returncode == 0, made.stderr
    assert any(s < ended and e > began for s, e, _ in synced), "no sync ran while the backup was taken"
    acknowledged_before = {i for _s, e, ids in synced if e < began for i in ids}
    assert len(acknowledged_before) >= 9
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    new_dir = tmp_path / "restored"
    new_url = request.getfixturevalue("pg_cluster").new_database() if database_url else None
    done = cli("restore", str(archive), "--data-dir", str(new_dir),
               env={**_db_env(new_url), "TRIALPRO_BACKUP_PASSPHRASE": PASSPHRASE}, child=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit chain holds" in done.stdout
    assert stat.S_IMODE(new_dir.stat().st_mode) == 0o700
    assert (new_dir / "study.toml").read_bytes() == (data_dir / "study.toml").read_bytes()  # remembers its study
    verify = cli("audit", "verify", "--data-dir", str(new_dir), env=_db_env(new_url), child=True)
    assert verify.returncode == 0 and "audit chain holds" in verify.stdout
    assert int(re.search(r"(\d+) signed checkpoint", verify.stdout).group(1)) >= 1  # type: ignore[union-attr]
    ctx = open_context(ServerConfig(data_dir=new_dir, database_url=new_url))
    with ctx.engine.connect() as conn:
        restored = {r.record_id for r in conn.execute(select(records.c.record_id))}
    ctx.engine.dispose()
    assert acknowledged_before <= restored


def test_restore_refuses_a_folder_in_use_and_a_backup_never_overwrites(tmp_path: Path,
                                                                       sqlite_server: ThreadServer) -> None:
    data_dir = sqlite_server.ctx.config.data_dir
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--data-dir", str(data_dir), "--out", str(archive)).returncode == 0
    again = cli("backup", "--data-dir", str(data_dir), "--out", str(archive))
    assert again.returncode == 2 and "exists already" in again.stderr and "Traceback" not in again.stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something").write_text("x")
    refused = cli("restore", str(archive), "--data-dir", str(busy))
    assert refused.returncode == 2 and "not empty" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["something"]
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    bad = cli("restore", str(junk), "--data-dir", str(tmp_path / "n"))
    assert bad.returncode == 2 and "not a trialpro backup" in bad.stderr and not (tmp_path / "n").exists()


def test_the_private_signing_key_is_kept_only_when_asked_and_only_encrypted(tmp_path: Path,
                                                                          sqlite_server: ThreadServer) -> None:
    data_dir = sqlite_server.ctx.config.data_dir
    keys = data_dir / "keys"                      # made by the server: DATA_DIR/keys/audit-signing.{key,pub}
    private = (keys / "audit-signing.key").read_bytes()
    public = (keys / "audit-signing.pub").read_bytes()

    plain = tmp_path / "without-key.tar.gz"
    assert cli("backup", "--data-dir", str(data_dir), "--out", str(plain)).returncode == 0
    with tarfile.open(plain) as tar:
        names = tar.getnames()
    assert "data/keys/audit-signing.pub" in names
    assert not any("audit-signing.key" in n for n in names)

    sealed = tmp_path / "with-key.tar.gz"
    env = {"TRIALPRO_BACKUP_PASSPHRASE": PASSPHRASE}
    made = cli("backup", "--data-dir", str(data_dir), "--out", str(sealed), "--include-signing-key", env=env)
    assert made.returncode == 0 and "included, encrypted" in made.stdout, made.stderr
    with tarfile.open(sealed) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert "keys/audit-signing.key.sealed" in members and "data/keys/audit-signing.key" not in members
    assert not any(private in body for body in members.values())

    wrong = cli("restore", str(sealed), "--data-dir", str(tmp_path / "wrong"),
                env={"TRIALPRO_BACKUP_PASSPHRASE": "not the passphrase"})
    assert wrong.returncode == 2 and "does not open the signing key" in wrong.stderr
    assert not (tmp_path / "wrong").exists()
    keyless = cli("restore", str(plain), "--data-dir", str(tmp_path / "keyless"))
    assert keyless.returncode == 0 and "audit chain holds" in keyless.stdout   # the public key suffices
    assert "holds no private signing key" in keyless.stderr
    assert not (tmp_path / "keyless" / "keys" / "audit-signing.key").exists()
    ok = cli("restore", str(sealed), "--data-dir", str(tmp_path / "right"), env=env)
    assert ok.returncode == 0, ok.stderr
    restored_key = tmp_path / "right" / "keys" / "audit-signing.key"
    assert restored_key.read_bytes() == private and stat.S_IMODE(restored_key.stat().st_mode) == 0o600
    assert (tmp_path / "right" / "keys" / "audit-signing.pub").read_bytes() == public
