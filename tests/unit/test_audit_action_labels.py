"""Issue 23 review: every action the server writes to the audit trail has a short label in English and Chinese
(the audit page shows it beside the dotted code). The literal actions are read from the server's source, so a new
``action="..."`` without a label fails here; the composed ones (records' create/correct, query steps, export
formats) come from the tables they are built from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.exports.registry import FORMATS
from server.web.i18n_guide import action_label
from shared.queries import RAISE, ROLES, TRANSITIONS
from shared.records import KINDS

SERVER = Path(__file__).resolve().parents[2] / "server"
LITERAL = re.compile(r'\baction="([a-z_]+\.[a-z_]+)"')


def written_actions() -> set[str]:
    found = {m for p in SERVER.rglob("*.py") for m in LITERAL.findall(p.read_text(encoding="utf-8"))}
    found |= {f"{kind}.{verb}" for kind in KINDS for verb in ("create", "correct")}
    found |= {f"query.{step}" for step in {RAISE, *ROLES, *TRANSITIONS}}
    found |= {f"export.{fmt}" for fmt in FORMATS}
    return found


def test_the_source_scan_finds_the_server_actions() -> None:
    actions = written_actions()
    assert {"user.sign_in", "sae.reported", "query.raise", "adverse_event.create", "sync.batch"} <= actions
    assert len(actions) > 40


@pytest.mark.parametrize("action", sorted(written_actions()))
def test_every_written_action_has_a_label_in_both_languages(action: str) -> None:
    en, zh = action_label(action, "en"), action_label(action, "zh")
    assert en and zh, action
    assert en != zh, action
    assert not re.search(r"[A-Za-z]{3,}", zh.replace("MedDRA", "")), (action, zh)


def test_record_actions_are_composed_from_the_kind_title() -> None:
    assert action_label("adverse_event.create", "zh") == "不良事件已创建"
    assert action_label("vital_signs.correct", "en") == "Vital signs corrected"
    assert action_label("no_such.thing", "en") == ""
