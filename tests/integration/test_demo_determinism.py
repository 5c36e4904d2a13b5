"""The demo is the same on every machine: its arms, sexes and SUSARs do not depend on the OS random source.

CI once failed because the demo's allocation list came from the CSPRNG: which arm each person got changed how
many draws the seeded stream made, and a run had no men at all. The demo's first list is now seeded; a real
site's lists still come from the CSPRNG (tests/unit/test_randomisation.py).
"""

from __future__ import annotations

from pathlib import Path

from server.app import open_context
from server.config import ServerConfig
from server.exports.current import current_records
from server.services.demo import seed_demo


def _demo_people(data_dir: Path) -> dict[str, tuple[str, str]]:
    ctx = open_context(ServerConfig(data_dir=data_dir, testing=True))
    with ctx.engine.begin() as conn:
        seed_demo(conn, ctx.study, admin_password="synthetic-demo-pass")
    with ctx.engine.connect() as conn:
        sex = {r["participant_id"]: r["data"]["sex"] for r in current_records(conn, kind="screening")}
        arm = {r["participant_id"]: r["data"]["arm"] for r in current_records(conn, kind="randomisation")}
    ctx.engine.dispose()
    return {pid: (sex[pid], arm.get(pid, "")) for pid in sex}


def test_two_demo_seeds_give_the_same_people_in_the_same_arms(tmp_path: Path) -> None:
    first, second = _demo_people(tmp_path / "a"), _demo_people(tmp_path / "b")
    assert first == second
    assert {s for s, _ in first.values()} == {"F", "M"}   # both sexes, so every sex-specific table has rows
    assert len({a for _, a in first.values() if a}) == 3  # every arm has participants
