"""`audit verify` while the job runner anchors: a checkpoint signed after the reader's snapshot began is not a
removed row (the admin audit page said "audit chain BROKEN … checkpoint … not in the database" once, when the
demo's job runner signed the head during the page's check), but a checkpoint row really removed still is."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.app import ServerContext, open_context
from server.config import ServerConfig
from server.services import checkpoints, devices
from server.storage import checkpoints as checkpoint_rows
from server.storage.engine import SQLITE_FILE, reading


def _context(tmp_path: Path, database_url: str | None) -> ServerContext:
    return open_context(ServerConfig(data_dir=tmp_path / "server", database_url=database_url, testing=True))


def _grow_and_anchor(ctx: ServerContext) -> checkpoints.Checkpoint:
    with ctx.engine.begin() as conn:
        devices.create_enrolment_code(conn, site_id="PKU", actor="test", valid_site_ids={"PKU"})
    cp = checkpoints.anchor(ctx.engine, ctx.config.data_dir)
    assert cp is not None
    return cp


def test_a_checkpoint_signed_during_a_check_is_not_reported_as_a_removed_row(tmp_path: Path,
                                                                              database_url: str | None) -> None:
    ctx = _context(tmp_path, database_url)
    try:
        _grow_and_anchor(ctx)
        with reading(ctx.engine) as conn:
            before = checkpoint_rows.every(conn)            # the reader's snapshot has begun
            late = _grow_and_anchor(ctx)                    # the job runner signs the head meanwhile
            result = checkpoints.verify(conn, ctx.config.data_dir)
            assert result.ok, checkpoints.summary(result)
            assert result.checkpoints_checked == len(before)  # what the snapshot holds; the late one next time
        with reading(ctx.engine) as conn:
            result = checkpoints.verify(conn, ctx.config.data_dir)
        assert result.ok and result.latest_checkpoint == late
    finally:
        ctx.engine.dispose()


def test_the_newest_checkpoint_row_removed_is_still_broken(tmp_path: Path) -> None:
    ctx = _context(tmp_path, None)
    try:
        _grow_and_anchor(ctx)
        _grow_and_anchor(ctx)
        db = sqlite3.connect(Path(ctx.config.data_dir) / SQLITE_FILE, isolation_level=None)
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
        db.execute("DELETE FROM audit_checkpoints WHERE id = (SELECT max(id) FROM audit_checkpoints)")
        db.close()
        with reading(ctx.engine) as conn:
            result = checkpoints.verify(conn, ctx.config.data_dir)
        assert not result.ok
        assert "not in the database (a row was removed)" in (result.problem or "")
    finally:
        ctx.engine.dispose()
