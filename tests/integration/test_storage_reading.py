"""Reads (pages, exports) see one snapshot and never hold the write lock that syncs need."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from server.storage.engine import reading
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
