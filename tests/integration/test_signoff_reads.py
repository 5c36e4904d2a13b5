"""The participant page's sign-off summary reads each participant's current items once, by visit (issue 25 point
4): what it lists must be what one read per visit gave, on both databases, for every demo participant (records of
every kind, lab results, records without a visit)."""

from __future__ import annotations

from pathlib import Path

from server.services.signatures import signoff_summary
from server.storage import signatures as signature_store
from server.storage.engine import reading
from server.storage.participants import every_participant_id
from shared.signatures import Item
from tests.demo_template import DemoTemplates
from tests.postgres import PostgresCluster


def _key(items: list[Item]) -> list[tuple[str, int, str]]:
    return sorted((i.ref, i.revision, i.hash) for i in items)


def test_items_by_visit_are_the_items_of_each_visit_and_the_summary_lists_the_visits_with_data(
        tmp_path: Path, demo_templates: DemoTemplates, demo_cluster: PostgresCluster | None) -> None:
    ctx = demo_templates.context(tmp_path / "server", admin_password="synthetic-demo-pass", cluster=demo_cluster)
    labs_seen = without_visit = 0
    with reading(ctx.engine) as conn:
        for pid in every_participant_id(conn):
            by_visit = signature_store.current_items_by_visit(conn, pid)
            every = signature_store.current_items(conn, pid)
            assert _key([i for group in by_visit.values() for i in group]) == _key(every)
            for v in ctx.study.visits:
                assert _key(by_visit.get(v.id, [])) == _key(signature_store.current_items(conn, pid, v.id))
            summary = signoff_summary(conn, ctx.study, pid)
            assert [row["visit"].id for row in summary["visits"]] == [
                v.id for v in ctx.study.visits if signature_store.current_items(conn, pid, v.id)]
            assert summary["has_data"] is bool(every)
            labs_seen += sum(i.ref.startswith("lab:") for i in every)
            without_visit += len(by_visit.get(None, []))
    assert labs_seen and without_visit    # the demo has both, so the test covers both
    ctx.engine.dispose()
