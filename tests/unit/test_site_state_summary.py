"""The site-state summaries kept per process (server.services.site_state): one per stored revision, and a
revision with the same id and number but other content (another server's database in this process) never gets
the summary of the first."""

from __future__ import annotations

import json
from types import SimpleNamespace

from server.services import site_state


def _row(grade: int, content_hash: str) -> SimpleNamespace:
    return SimpleNamespace(record_id="00000000-0000-4000-8000-0000000000ae", revision=1, kind="adverse_event",
                           participant_id="PKU-001", visit_id=None, instrument_id=None, instrument_version=None,
                           collected_at="2026-01-01T00:00:00Z", content_hash=content_hash,
                           body=json.dumps({"data": {"term": "Headache", "grade": grade}}))


def test_a_revision_is_summarised_once_and_other_content_under_the_same_id_is_summarised_afresh() -> None:
    first = site_state.summary(_row(1, "sha256:aa"))
    assert first["summary"]["grade"] == 1
    assert site_state.summary(_row(1, "sha256:aa")) is first        # kept: not parsed again
    other = site_state.summary(_row(3, "sha256:bb"))                 # same id and revision, other content
    assert other["summary"]["grade"] == 3 and first["summary"]["grade"] == 1
