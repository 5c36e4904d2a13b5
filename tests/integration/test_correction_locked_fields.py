"""The correction service refuses to change a randomisation's arm, number, allocation list or eligibility
record whatever page or API sent it (issue 23, point 3), naming the field and the rule, and stores nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.services import dashboard as board
from server.services.corrections import correct_record
from server.storage import records as record_store
from shared.errors import RecordInvalid
from shared.record_input import LOCKED
from tests.demo_template import DemoTemplates
from tests.postgres import PostgresCluster


def test_a_randomisation_cannot_be_corrected_by_any_caller(tmp_path: Path, demo_templates: DemoTemplates,
                                                           demo_cluster: PostgresCluster | None) -> None:
    ctx = demo_templates.context(tmp_path / "server", admin_password="demo-admin-password-for-tests",
                                 cluster=demo_cluster)
    with ctx.engine.connect() as conn:
        recs = board.current_records_of(conn, ["PKU-004"])["PKU-004"]
    rand = next(r for r in recs if r["kind"] == "randomisation")
    other = next(a.code for a in ctx.study.arms if a.code != rand["data"]["arm"])
    for field, value in (("arm", other), ("randomisation_number", 99), ("allocation_list_id", "forged"),
                         ("eligibility_record_id", "forged")):
        with ctx.engine.begin() as conn, pytest.raises(RecordInvalid) as refused:
            correct_record(conn, ctx.study, rand["record_id"], {**rand["data"], field: value}, "wrong", "user:dm")
        (problem,) = refused.value.problems
        assert (problem.field, problem.code) == (f"data.{field}", LOCKED)
        assert "may not be corrected" in problem.message and "randomisation" in problem.message
    with ctx.engine.connect() as conn:
        assert record_store.newest(conn, rand["record_id"]).revision == 1
    ctx.engine.dispose()
