"""Audit anchoring: the signing key outside the database, checkpoints append-only, the one worker signing heads.

An attacker here holds the database only (plain sqlite3/psycopg, triggers dropped):
whatever they rewrite and re-sign inside it must fail `audit verify`.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from server.app import open_context
from server.config import ServerConfig
from server.services import checkpoints, devices, signing_keys
from server.services.audit import entry_hash
from server.storage.engine import SQLITE_FILE, make_engine, migrate
from server.storage.tables import audit_head, server_keys, settings
from shared.canonical import canonical_json
from shared.crypto import new_signing_key, sign

SITES = {"PKU"}


def _entries(ctx: object, n: int) -> None:
    with ctx.engine.begin() as conn:  # type: ignore[attr-defined]
        for _ in range(n):
            devices.create_enrolment_code(conn, site_id="PKU", actor="test", valid_site_ids=SITES)


def _data_dir(tmp_path: Path, n: int = 10, database_url: str | None = None) -> Path:
    data_dir = tmp_path / "server"
    ctx = open_context(ServerConfig(data_dir=data_dir, database_url=database_url))
    _entries(ctx, n)
    ctx.engine.dispose()
    return data_dir


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=90,
                          env={**os.environ, **(env or {})})


def _verify(data_dir: Path, *witnesses: Path) -> subprocess.CompletedProcess[str]:
    extra = [a for w in witnesses for a in ("--witness", str(w))]
    return _cli("audit", "verify", "--data-dir", str(data_dir), *extra)


def _attacker(data_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(data_dir / SQLITE_FILE, isolation_level=None)
    db.row_factory = sqlite3.Row
    for row in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        db.execute(f'DROP TRIGGER "{row["name"]}"')
    return db


def _rewrite_from(db: sqlite3.Connection, seq: int, reason: str) -> None:
    """Change entry ``seq`` and recompute every hash after it and the head: a consistent forged chain."""
    rows = [dict(r) for r in db.execute("SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq", (seq,))]
    prev = db.execute("SELECT entry_hash FROM audit_log WHERE seq = ?", (seq - 1,)).fetchone()[0]
    for row in rows:
        if row["seq"] == seq:
            row["reason"] = reason
        row["prev_hash"] = prev
        row["entry_hash"] = prev = entry_hash(row)
        db.execute("UPDATE audit_log SET reason=?, prev_hash=?, entry_hash=? WHERE seq=?",
                   (row["reason"], row["prev_hash"], row["entry_hash"], row["seq"]))
    db.execute("UPDATE audit_head SET seq=?, entry_hash=?", (rows[-1]["seq"], prev))


def test_the_signing_key_is_a_0600_file_outside_the_database(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path, 1)
    keys = data_dir / signing_keys.KEY_DIR
    assert keys.stat().st_mode & 0o777 == 0o700
    assert (keys / "audit-signing.key").stat().st_mode & 0o777 == 0o600
    assert (keys / "audit-signing.key").read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (keys / "audit-signing.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    db = sqlite3.connect(data_dir / SQLITE_FILE)
    assert db.execute("SELECT count(*) FROM server_keys").fetchone()[0] == 0
    db.close()


def test_a_key_file_readable_by_others_is_refused_with_what_to_do(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path, 1)
    (data_dir / "keys" / "audit-signing.key").chmod(0o644)
    out = _cli("audit", "verify", "--data-dir", str(data_dir))
    assert out.returncode == 2 and "readable by others" in out.stderr and "chmod 600" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_key_file_may_live_where_the_environment_says(tmp_path: Path) -> None:
    elsewhere = tmp_path / "vault" / "trialpro.key"
    env = {signing_keys.KEY_FILE_ENV: str(elsewhere)}
    data_dir = tmp_path / "server"
    assert _cli("audit", "checkpoint", "--data-dir", str(data_dir), env=env).returncode == 0
    assert elsewhere.stat().st_mode & 0o777 == 0o600
    assert not (data_dir / "keys" / "audit-signing.key").exists()
    assert (data_dir / "keys" / "audit-signing.pub").exists()
    assert _cli("audit", "verify", "--data-dir", str(data_dir), env=env).returncode == 0
    forgot = _verify(data_dir)                     # without the setting: refused, and no second key is made
    assert forgot.returncode == 2 and "restore the key file" in forgot.stderr
    assert not (data_dir / "keys" / "audit-signing.key").exists()


def test_a_key_kept_in_the_database_by_an_older_server_moves_out_and_its_checkpoints_still_verify(
        tmp_path: Path) -> None:
    # an older data folder: key in server_keys, checkpoints signed with it, no key file
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    engine = make_engine(f"sqlite:///{data_dir / SQLITE_FILE}")
    migrate(engine)
    private, public = new_signing_key()
    with engine.begin() as conn:
        conn.execute(insert(server_keys).values(purpose="signing", private_key=private, public_key=public,
                                                created_at="2026-11-30T00:00:00.000Z"))
    engine.dispose()
    ctx = open_context(ServerConfig(data_dir=data_dir))
    _entries(ctx, 3)
    with ctx.engine.begin() as conn:
        cp = checkpoints.write_checkpoint(conn, data_dir)
        assert conn.execute(select(server_keys)).first() is None
        known = conn.execute(select(settings.c.value).where(settings.c.key == "signing_public_key")).scalar()
    ctx.engine.dispose()
    key = signing_keys.read_private(data_dir / "keys" / "audit-signing.key")
    assert (key.private, key.public) == (private, public)
    assert cp.holds_for(key.public_b64) and known == key.public_b64
    assert _verify(data_dir).returncode == 0


def test_a_chain_rewritten_and_re_signed_inside_the_database_fails_verify(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path, 10)
    assert _cli("audit", "checkpoint", "--data-dir", str(data_dir)).returncode == 0
    db = _attacker(data_dir)
    assert db.execute("SELECT private_key FROM server_keys").fetchall() == []   # nothing to steal
    _rewrite_from(db, 4, "quietly rewritten")
    private, public = new_signing_key()                  # the best the attacker has: a key of their own
    for row in db.execute("SELECT id, signed_at FROM audit_checkpoints").fetchall():
        head = db.execute("SELECT seq, entry_hash FROM audit_head").fetchone()
        body = {"head_seq": head["seq"], "head_hash": head["entry_hash"], "signed_at": row["signed_at"]}
        db.execute("UPDATE audit_checkpoints SET head_seq=?, head_hash=?, signature=?, public_key=? WHERE id=?",
                   (head["seq"], head["entry_hash"], sign(private, canonical_json(body)),
                    base64.b64encode(public).decode("ascii"), row["id"]))
    db.close()
    out = _verify(data_dir)
    assert out.returncode == 1, out.stdout
    assert "BROKEN at entry 10:" in out.stdout and "does not carry a valid signature" in out.stdout


def test_the_database_copy_and_the_file_copy_must_agree(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path, 4)
    for _ in range(2):
        assert _cli("audit", "checkpoint", "--data-dir", str(data_dir)).returncode == 0
    assert _verify(data_dir).returncode == 0
    db = _attacker(data_dir)
    first = db.execute("SELECT signed_at FROM audit_checkpoints ORDER BY id LIMIT 1").fetchone()["signed_at"]
    db.execute("DELETE FROM audit_checkpoints WHERE signed_at = ?", (first,))
    db.close()
    out = _verify(data_dir)
    assert out.returncode == 1
    assert "BROKEN at entry 4:" in out.stdout and "not in the database (a row was removed)" in out.stdout
    (data_dir / checkpoints.CHECKPOINT_FILE).unlink()
    out = _verify(data_dir)
    assert out.returncode == 1 and "file copy audit-checkpoints.jsonl is missing" in out.stdout


def test_checkpoint_rows_are_append_only_in_the_database(tmp_path: Path, database_url: str | None) -> None:
    data_dir = tmp_path / "server"
    ctx = open_context(ServerConfig(data_dir=data_dir, database_url=database_url))
    _entries(ctx, 2)
    with ctx.engine.begin() as conn:
        checkpoints.write_checkpoint(conn, data_dir)
    ctx.engine.dispose()
    if database_url is None:
        db = sqlite3.connect(data_dir / SQLITE_FILE)
        for sql in ("UPDATE audit_checkpoints SET head_seq = 1", "DELETE FROM audit_checkpoints"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(sql)
        db.close()
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        for sql in ("UPDATE audit_checkpoints SET head_seq = 1", "DELETE FROM audit_checkpoints",
                    "TRUNCATE audit_checkpoints"):
            with pytest.raises(psycopg.Error, match="append-only"):
                db.execute(sql)


def _wait_for_anchor(data_dir: Path, database_url: str | None, timeout: float = 60.0) -> float:
    """Seconds until the newest checkpoint covers the head."""
    engine = make_engine(database_url.replace("postgresql://", "postgresql+psycopg://") if database_url
                         else f"sqlite:///{data_dir / SQLITE_FILE}")
    start = time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            with engine.connect() as conn:
                head = conn.execute(select(audit_head.c.seq, audit_head.c.entry_hash)).first()
                last = checkpoints.latest(conn)
            if last is not None and (last.head_seq, last.head_hash) == tuple(head):
                return time.monotonic() - start
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise AssertionError(f"no checkpoint covered the head within {timeout} s")


def _worker(data_dir: Path, database_url: str | None, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, **({"DATABASE_URL": database_url} if database_url else {})}
    return subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--data-dir", str(data_dir), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    return out


def test_the_worker_signs_every_write_within_the_window_and_a_later_edit_is_caught(
        tmp_path: Path, database_url: str | None) -> None:
    data_dir = _data_dir(tmp_path, 5, database_url)
    worker = _worker(data_dir, database_url, "--anchor-seconds", "1")
    try:
        first = _wait_for_anchor(data_dir, database_url)
        ctx = open_context(ServerConfig(data_dir=data_dir, database_url=database_url))
        _entries(ctx, 3)                                  # one more write transaction: entries 6 to 8
        ctx.engine.dispose()
        second = _wait_for_anchor(data_dir, database_url)
    finally:
        log = _stop(worker)
    assert first < 60 and second < 60, log
    print(f"anchored within {first:.1f} s and {second:.1f} s")
    env = {"DATABASE_URL": database_url} if database_url else None
    assert _cli("audit", "verify", "--data-dir", str(data_dir), env=env).returncode == 0
    if database_url is None:
        db = _attacker(data_dir)
        _rewrite_from(db, 8, "edited after the newest checkpoint")
        db.close()
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as pg:
            pg.execute("DROP TRIGGER audit_log_no_update ON audit_log")
            row = pg.execute("SELECT seq, at, actor, action, entity_type, entity_id, old, new, reason, prev_hash "
                             "FROM audit_log WHERE seq = 8").fetchone()
            names = ("seq", "at", "actor", "action", "entity_type", "entity_id", "old", "new", "reason",
                     "prev_hash")
            forged = {**dict(zip(names, row, strict=True)), "reason": "edited after the newest checkpoint"}
            pg.execute("UPDATE audit_log SET reason = %s, entry_hash = %s WHERE seq = 8",
                       (forged["reason"], entry_hash(forged)))
            pg.execute("UPDATE audit_head SET entry_hash = %s", (entry_hash(forged),))
    out = _cli("audit", "verify", "--data-dir", str(data_dir), env=env)
    assert out.returncode == 1 and "BROKEN at entry 8:" in out.stdout, out.stdout + out.stderr


def test_a_second_worker_for_the_same_database_exits_with_a_message(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path, 1)
    first = _worker(data_dir, None)
    try:
        _wait_for_anchor(data_dir, None)
        second = _worker(data_dir, None)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 2 and "already runs" in out and "Traceback" not in out
    finally:
        _stop(first)


def test_the_worker_does_not_bless_a_rewrite_of_the_signed_part(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path, 6)
    assert _cli("audit", "checkpoint", "--data-dir", str(data_dir)).returncode == 0
    db = _attacker(data_dir)
    _rewrite_from(db, 3, "rewritten before the worker looks")
    db.close()
    ctx = open_context(ServerConfig(data_dir=data_dir))
    assert checkpoints.anchor(ctx.engine, data_dir) is None
    ctx.engine.dispose()
    lines = (data_dir / checkpoints.CHECKPOINT_FILE).read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["head_seq"] == 6
