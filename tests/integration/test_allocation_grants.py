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


def test_screening_numbers_start_above_the_legacy_participants_and_skip_screened_ones(
        tmp_path: Path, database_url: str | None) -> None:
    """A participant enrolled before the screening log (no screening row) keeps its number from every new
    range; a screened participant's number lies in a granted range, so the top-up needs only the legacy ones."""
    from sqlalchemy import insert

    from server.storage import screenings as screening_store
    from server.storage.tables import participants, screenings

    ctx = _context(tmp_path, database_url)
    try:
        def person(pid: str, number: int) -> dict[str, object]:
            return {"participant_id": pid, "site_id": "PKU", "arm": "A", "status": "enrolled",
                    "enrolled_at": "2026-01-01T00:00:00Z", "enrolment_record_id": f"rec-{pid}",
                    "allocation_number": number, "year_of_birth": 1970, "sex": "F", "consent_date": "2026-01-01"}

        first = _kiosk(ctx)
        with writing(ctx.engine) as conn:
            mine = numbers_for(conn, "PKU", first)
            assert min(mine) == 1
            screened = f"PKU-{mine[0]:03d}"    # screened and randomised with a number of the kiosk's range
            conn.execute(insert(participants).values(person(screened, 1)))
            conn.execute(insert(screenings).values(
                participant_id=screened, site_id="PKU", screening_number=mine[0], record_id="rec-s",
                device_id=first, outcome="eligible", failed_criteria="[]", sex="F", birth_year_month="1970-01",
                age_at_consent=56, consent_date="2026-01-01", screening_date="2026-01-01",
                screened_at="2026-01-01T00:00:00Z"))
            conn.execute(insert(participants).values(person("PKU-150", 2)))   # one-step enrolment, no screening
            conn.execute(insert(participants).values(person("PKU-1200", 3)))  # numbers past 999 compare as numbers
            assert screening_store.highest_legacy_number(conn, "PKU") == 1200
        second = _kiosk(ctx)
        with writing(ctx.engine) as conn:
            theirs = numbers_for(conn, "PKU", second)
        assert min(theirs) == 1201 and not set(theirs) & set(mine)
    finally:
        ctx.engine.dispose()
