"""A kiosk's allocation blocks and screening numbers, topped up at every enrolment and sync (server/services/
allocation.py, screening.py), on SQLite and PostgreSQL: the parsed lists and signed blocks kept per process serve
exactly what the database holds, for each server in the process, and a list made by a top-up reaches the next
answer."""

from __future__ import annotations

import json
from pathlib import Path

from server.app import ServerContext, open_context
from server.config import ServerConfig
from server.services.allocation import KEEP_BLOCKS, grants_for, public_key_b64
from server.services.devices import create_enrolment_code, enrol_device
from server.services.screening import KEEP_NUMBERS, numbers_for
from server.storage import allocations as allocation_store
from server.storage.engine import writing
from shared.randomisation import verified_entries
from tests.postgres import PostgresCluster


def _context(data_dir: Path, database_url: str | None) -> ServerContext:
    return open_context(ServerConfig(data_dir=data_dir, database_url=database_url))


def _kiosk(ctx: ServerContext) -> str:
    sites = {s.id for s in ctx.study.sites}
    with writing(ctx.engine) as conn:
        code = create_enrolment_code(conn, site_id="PKU", actor="test", valid_site_ids=sites)
        device, _token = enrol_device(conn, code=code, label="kiosk")
    return device.device_id


def test_each_server_in_the_process_signs_its_own_lists_and_new_lists_reach_the_next_answer(
        tmp_path: Path, database_url: str | None, demo_cluster: PostgresCluster | None) -> None:
    other_url = demo_cluster.new_database() if demo_cluster else None
    contexts = [_context(tmp_path / "a", database_url), _context(tmp_path / "b", other_url)]
    try:
        for ctx in contexts:          # two servers in one process: the same sites, block numbers, other keys
            seen_lists: set[str] = set()
            numbers: set[int] = set()
            for _ in range(10):       # enough kiosks to use up the first list: a top-up makes a new one
                device = _kiosk(ctx)
                with writing(ctx.engine) as conn:
                    grants = grants_for(conn, ctx.study, site_id="PKU", device_id=device)
                    key = public_key_b64(conn)
                    mine = numbers_for(conn, "PKU", device)
                    stored = {lid: json.loads(s) for lid, s in allocation_store.signed_lists(conn, "PKU")}
                    assert sorted(allocation_store.granted_blocks(conn, "PKU", device)) == grants["blocks"]
                assert len(grants["blocks"]) == KEEP_BLOCKS and grants["used_numbers"] == []
                assert len(mine) == KEEP_NUMBERS and numbers.isdisjoint(mine)   # no number given to two kiosks
                numbers |= set(mine)
                for signed in grants["lists"]:
                    entries = verified_entries(signed, key)     # signed with THIS server's key
                    whole = stored[signed["body"]["list_id"]]["body"]["entries"]
                    assert entries == [e for e in whole if e["block"] == signed["body"]["block"]]
                    seen_lists.add(signed["body"]["list_id"])
            assert len(seen_lists) > 1                       # a list made by a top-up was served too
    finally:
        for ctx in contexts:
            ctx.engine.dispose()
