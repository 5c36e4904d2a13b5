"""Witnesses: each kiosk keeps the newest signed head the server gave it; `audit verify --witness` uses it.

The attacker here holds the server's database AND its data folder (they can cut the
chain, the checkpoint rows and the file copy consistently), but not the kiosks:
the head a kiosk kept still names what was there.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from desktop_client.services import sync_engine
from desktop_client.store import witness
from server.services import checkpoints, signing_keys
from server.storage.engine import SQLITE_FILE
from shared import signed_head
from tests.cli_in_process import server_cli
from tests.factories import PASSPHRASE, enrol_participant, enrolled_station
from tests.live_server import ThreadServer


def _cli(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=90,
                          env={**os.environ, "TRIALPRO_PASSPHRASE": PASSPHRASE})


def _kiosk_with_witness(tmp_path: Path, server: ThreadServer) -> tuple[Path, Path, int]:
    """A kiosk that synced, the worker's anchoring, a second sync bringing the head, and the witness file."""
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    enrol_participant(station)
    engine.sync()
    cp = checkpoints.anchor(server.ctx.engine, server.ctx.config.data_dir)   # what the worker does every 5 s
    assert cp is not None
    engine.sync()
    kept = witness.newest(station.store)
    assert kept is not None and kept["head_seq"] == cp.head_seq and kept["head_hash"] == cp.head_hash
    engine.close()
    station.store.close()
    out = tmp_path / "kiosk-witness.json"
    written = _cli("desktop_client.cli", "witness", "--data-dir", str(tmp_path / "kiosk"), "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert f"audit entry {cp.head_seq} signed" in written.stdout
    return server.ctx.config.data_dir, out, cp.head_seq


def _attacker(data_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(data_dir / SQLITE_FILE, isolation_level=None)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        db.execute(f'DROP TRIGGER "{name}"')
    return db


def test_the_sync_answer_carries_the_signed_head_and_the_kiosk_writes_it_out(
        tmp_path: Path, sqlite_server: ThreadServer) -> None:
    data_dir, out, _seq = _kiosk_with_witness(tmp_path, sqlite_server)
    doc = json.loads(out.read_text())
    assert doc["kind"] == "trialpro.audit-witness" and doc["site_id"] == "PKU" and doc["device_id"]
    public = base64.b64encode(signing_keys.read_public(data_dir)).decode("ascii")
    assert signed_head.holds(doc["checkpoint"], public)
    ok = server_cli("audit", "verify", "--data-dir", str(data_dir), "--witness", str(out))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 witness(es) agree" in ok.stdout


def test_a_tail_cut_everywhere_on_the_server_is_caught_by_a_kiosk_witness(
        tmp_path: Path, sqlite_server: ThreadServer) -> None:
    data_dir, out, seq = _kiosk_with_witness(tmp_path, sqlite_server)
    sqlite_server.ctx.engine.dispose()
    keep = seq - 3
    db = _attacker(data_dir)
    db.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
    last = db.execute("SELECT entry_hash FROM audit_log WHERE seq = ?", (keep,)).fetchone()[0]
    db.execute("UPDATE audit_head SET seq = ?, entry_hash = ?", (keep, last))
    db.execute("DELETE FROM audit_checkpoints WHERE head_seq > ?", (keep,))
    db.close()
    copy = data_dir / checkpoints.CHECKPOINT_FILE
    copy.write_text("".join(line + "\n" for line in copy.read_text().splitlines()
                            if json.loads(line)["head_seq"] <= keep))
    alone = server_cli("audit", "verify", "--data-dir", str(data_dir))
    assert alone.returncode == 0, alone.stdout        # the server's own copies were cut consistently
    caught = server_cli("audit", "verify", "--data-dir", str(data_dir), "--witness", str(out))
    assert caught.returncode == 1
    assert f"BROKEN at entry {keep + 1}:" in caught.stdout and "witness" in caught.stdout
    assert f"entries {keep + 1} to {seq} were removed" in caught.stdout


def test_a_chain_rewritten_below_the_witnessed_head_is_named(tmp_path: Path, sqlite_server: ThreadServer) -> None:
    data_dir, out, seq = _kiosk_with_witness(tmp_path, sqlite_server)
    sqlite_server.ctx.engine.dispose()
    doc = json.loads(out.read_text())
    doc["checkpoint"]["head_hash"] = "sha256:" + "1" * 64     # the kiosk saw another chain than this one
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    out2 = server_cli("audit", "verify", "--data-dir", str(data_dir), "--witness", str(out),
                "--witness", str(forged))
    assert out2.returncode == 1 and f"BROKEN at entry {seq}:" in out2.stdout
    assert "does not carry a valid signature" in out2.stdout and str(forged) in out2.stdout


def test_an_unreadable_witness_file_is_a_clear_error(tmp_path: Path, sqlite_server: ThreadServer) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = server_cli("audit", "verify", "--data-dir", str(sqlite_server.ctx.config.data_dir),
               "--witness", str(bad))
    assert out.returncode == 2 and "witness file" in out.stderr and "Traceback" not in out.stderr


def test_a_kiosk_keeps_only_newer_heads_signed_by_its_server(tmp_path: Path, sqlite_server: ThreadServer) -> None:
    fresh, fresh_engine = enrolled_station(tmp_path / "fresh", sqlite_server)
    fresh_engine.close()
    fresh.store.close()
    no_head = _cli("desktop_client.cli", "witness", "--data-dir", str(tmp_path / "fresh"),
                   "--out", str(tmp_path / "x.json"))
    assert no_head.returncode == 2 and "holds no signed audit head yet" in no_head.stderr
    assert "Traceback" not in no_head.stderr and not (tmp_path / "x.json").exists()
    station, engine = enrolled_station(tmp_path / "kiosk", sqlite_server)
    enrol_participant(station)
    engine.sync()
    cp = checkpoints.anchor(sqlite_server.ctx.engine, sqlite_server.ctx.config.data_dir)
    engine.sync()
    with station.store.transaction() as conn:
        older = {**cp.as_dict(), "head_seq": cp.head_seq - 1}
        assert witness.keep_newer(conn, older, "2026-12-01T00:00:00.000Z") is False
    # a head from elsewhere (another key) that claims to be newer is never kept
    forged = {**cp.as_dict(), "head_seq": cp.head_seq + 50, "public_key": "AAAA"}
    engine._apply_downstream({"allocation": {"blocks": [], "lists": []}, "audit_head": forged},
                             sync_engine.SyncReport())
    kept = witness.newest(station.store)
    assert kept is not None and kept["head_seq"] == cp.head_seq
    engine.close()
