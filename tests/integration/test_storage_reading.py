"""Reads (pages, exports) see one snapshot and never hold the write lock that syncs need."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from server.storage.engine import reading, writing
from server.storage.settings import add_setting, setting
from server.storage.tables import settings
from tests.live_server import ThreadServer


def test_a_long_read_neither_blocks_a_write_nor_sees_it(server: ThreadServer) -> None:
    engine = server.ctx.engine
    count = select(func.count()).select_from(settings)
    with reading(engine) as reader:
        before = reader.execute(count).scalar_one()          # the snapshot starts here
        with engine.begin() as writer:                       # a sync writing meanwhile is not kept waiting
            writer.execute(insert(settings).values(key="written-during-read", value="x"))
        assert reader.execute(count).scalar_one() == before  # one consistent snapshot for the whole read
    with reading(engine) as later:
        assert later.execute(count).scalar_one() == before + 1


def test_a_unit_of_work_commits_at_its_end_and_stores_nothing_when_it_fails(server: ThreadServer) -> None:
    engine = server.ctx.engine
    with writing(engine) as conn:
        add_setting(conn, "kept", "1")
    try:
        with writing(engine) as conn:
            add_setting(conn, "lost", "1")
            raise RuntimeError("the request failed half-way")
    except RuntimeError:
        pass
    with reading(engine) as conn:
        assert (setting(conn, "kept"), setting(conn, "lost")) == ("1", None)
