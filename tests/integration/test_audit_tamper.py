"""The audit trail resists someone with the database file: edits, removals, reordering and a cut tail are named.

The triggers that refuse UPDATE/DELETE are dropped first with plain sqlite3, as an
attacker with the file would; `trialpro-server audit verify` must still name
exactly the entry that was touched.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server.app import open_context
from server.config import ServerConfig
from server.services import checkpoints, devices
from server.services.audit import entry_hash
from server.storage.engine import SQLITE_FILE
from tests.cli_in_process import server_cli

SITES = {"PKU"}


def _data_dir_with_entries(tmp_path: Path, n: int = 12) -> Path:
    data_dir = tmp_path / "server"
    ctx = open_context(ServerConfig(data_dir=data_dir))
    with ctx.engine.begin() as conn:
        for _ in range(n):
            devices.create_enrolment_code(conn, site_id="PKU", actor="test", valid_site_ids=SITES)
    ctx.engine.dispose()
    return data_dir


def _verify(data_dir: Path, *, child: bool = False) -> subprocess.CompletedProcess[str]:
    """`trialpro-server audit verify`: in this process, or with ``child`` in a real one (its exit code)."""
    if not child:
        return server_cli("audit", "verify", "--data-dir", str(data_dir))
    return subprocess.run([sys.executable, "-m", "server.cli", "audit", "verify", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=60)


def _checkpoint(data_dir: Path) -> None:
    done = server_cli("audit", "checkpoint", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stdout + done.stderr


def _attacker(data_dir: Path) -> sqlite3.Connection:
    """Plain sqlite3 on the file, with the append-only triggers (audit log and checkpoints) dropped."""
    db = sqlite3.connect(data_dir / SQLITE_FILE, isolation_level=None)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                              "AND tbl_name IN ('audit_log', 'audit_checkpoints')").fetchall():
        db.execute(f'DROP TRIGGER "{name}"')
    return db


def test_an_untouched_chain_verifies(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    out = _verify(data_dir, child=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "audit chain holds: 12 entries" in out.stdout


def test_the_triggers_refuse_edits_while_they_exist(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path, 2)
    db = sqlite3.connect(data_dir / SQLITE_FILE)
    with pytest.raises(sqlite3.DatabaseError):
        db.execute("UPDATE audit_log SET actor='x' WHERE seq=1")
    with pytest.raises(sqlite3.DatabaseError):
        db.execute("DELETE FROM audit_log WHERE seq=1")
    db.close()


def test_editing_one_row_is_named_exactly(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    db = _attacker(data_dir)
    db.execute("UPDATE audit_log SET actor='someone.else' WHERE seq=7")
    db.close()
    out = _verify(data_dir, child=True)
    assert out.returncode == 1
    assert "BROKEN at entry 7:" in out.stdout and "altered" in out.stdout


def test_an_edit_with_a_recomputed_hash_is_still_named(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    db = _attacker(data_dir)
    db.row_factory = sqlite3.Row
    row = dict(db.execute("SELECT * FROM audit_log WHERE seq=5").fetchone())
    row["new"] = json.dumps({"expires_in_hours": 9999})
    db.execute("UPDATE audit_log SET new=?, entry_hash=? WHERE seq=5", (row["new"], entry_hash(row)))
    db.close()
    out = _verify(data_dir)
    assert out.returncode == 1
    assert "BROKEN at entry 5:" in out.stdout


def test_removing_a_row_is_named(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    db = _attacker(data_dir)
    db.execute("DELETE FROM audit_log WHERE seq=4")
    db.close()
    out = _verify(data_dir)
    assert out.returncode == 1
    assert "BROKEN at entry 5:" in out.stdout and "removed or reordered" in out.stdout


def test_reordering_two_rows_is_named(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    db = _attacker(data_dir)
    db.execute("UPDATE audit_log SET seq=-1 WHERE seq=3")
    db.execute("UPDATE audit_log SET seq=3 WHERE seq=2")
    db.execute("UPDATE audit_log SET seq=2 WHERE seq=-1")
    db.close()
    out = _verify(data_dir)
    assert out.returncode == 1
    assert "BROKEN at entry 2:" in out.stdout


def test_a_cut_tail_is_found_even_when_the_head_row_is_rewritten(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    _checkpoint(data_dir)                    # signs the head at entry 12
    db = _attacker(data_dir)
    db.execute("DELETE FROM audit_log WHERE seq > 9")
    last = db.execute("SELECT entry_hash FROM audit_log WHERE seq = 9").fetchone()[0]
    db.execute("UPDATE audit_head SET seq = 9, entry_hash = ?", (last,))
    db.close()
    out = _verify(data_dir)
    assert out.returncode == 1, out.stdout
    assert "BROKEN at entry 10:" in out.stdout and "entries 10 to 12 were removed" in out.stdout


def test_a_cut_tail_is_found_when_the_checkpoint_table_is_emptied_too(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    _checkpoint(data_dir)
    db = _attacker(data_dir)
    db.execute("DELETE FROM audit_log WHERE seq > 9")
    last = db.execute("SELECT entry_hash FROM audit_log WHERE seq = 9").fetchone()[0]
    db.execute("UPDATE audit_head SET seq = 9, entry_hash = ?", (last,))
    db.execute("DELETE FROM audit_checkpoints")
    db.close()
    out = _verify(data_dir)                  # the copy in audit-checkpoints.jsonl still has it
    assert out.returncode == 1 and "BROKEN at entry 10:" in out.stdout


def test_a_forged_checkpoint_is_refused(tmp_path: Path) -> None:
    data_dir = _data_dir_with_entries(tmp_path)
    ctx = open_context(ServerConfig(data_dir=data_dir))
    with ctx.engine.begin() as conn:
        cp = checkpoints.write_checkpoint(conn, data_dir)
    ctx.engine.dispose()
    db = _attacker(data_dir)
    db.execute("UPDATE audit_checkpoints SET signature = ? WHERE head_seq = ?", ("A" * 88, cp.head_seq))
    db.close()
    (data_dir / checkpoints.CHECKPOINT_FILE).unlink()
    out = _verify(data_dir)
    assert out.returncode == 1 and "does not carry a valid signature" in out.stdout


@pytest.mark.postgres
def test_on_postgresql_the_trigger_refuses_edits_and_verify_names_an_edit_made_without_it(
        tmp_path: Path, pg_cluster: object) -> None:
    import psycopg

    url = pg_cluster.new_database()  # type: ignore[attr-defined]
    data_dir = tmp_path / "server"
    ctx = open_context(ServerConfig(data_dir=data_dir, database_url=url))
    with ctx.engine.begin() as conn:
        for _ in range(6):
            devices.create_enrolment_code(conn, site_id="PKU", actor="test", valid_site_ids=SITES)
    ctx.engine.dispose()
    with psycopg.connect(url, autocommit=True) as db:
        for sql in ("UPDATE audit_log SET actor = 'x' WHERE seq = 3", "DELETE FROM audit_log WHERE seq = 3",
                    "TRUNCATE audit_log"):
            with pytest.raises(psycopg.Error):
                db.execute(sql)
        db.execute("DROP TRIGGER audit_log_no_update ON audit_log")
        db.execute("UPDATE audit_log SET reason = 'quietly rewritten' WHERE seq = 3")
    out = server_cli("audit", "verify", "--data-dir", str(data_dir), env={"DATABASE_URL": url})
    assert out.returncode == 1 and "BROKEN at entry 3:" in out.stdout, out.stdout + out.stderr


def test_a_connection_still_writes_after_the_chain_was_verified_on_it(server) -> None:
    """Streaming the chain must not leave the connection in streaming mode (it broke INSERTs on PostgreSQL)."""
    from server.services.audit import AuditEntry, append, verify_chain

    with server.ctx.engine.begin() as conn:
        append(conn, AuditEntry(actor="test", action="test.first", entity_type="test", entity_id="1"))
        assert verify_chain(conn).ok
        append(conn, AuditEntry(actor="test", action="test.second", entity_type="test", entity_id="2"))
        report = verify_chain(conn)
    assert report.ok
    assert report.entries >= 2
