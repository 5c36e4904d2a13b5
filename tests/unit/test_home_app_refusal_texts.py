"""The phone app words the refusals a participant meets when leaving the study (issue 24) in both languages.

The app shows an entry the server refused by its code; for the codes of ``shared.home.after_disposition`` the
participant reads what happened in their language (``js/i18n.js``: ``refused_<code>``), with the code kept for
the study team, not only "the server refused an entry"."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from shared.disposition import Disposition
from shared.home import after_disposition

I18N = Path(__file__).resolve().parents[2] / "server" / "web" / "app_static" / "js" / "i18n.js"


def _blocks() -> dict[str, str]:
    text = I18N.read_text(encoding="utf-8")
    en, zh = text.index("\n  en: {"), text.index("\n  zh: {")
    return {"en": text[en:zh], "zh": text[zh:text.index("\n};", zh)]}


def _codes() -> set[str]:
    entry = {"kind": "instrument_response", "visit_id": None, "participant_id": "PKU-001",
             "data": {"diary_date": "2026-03-02"}}
    ends = [Disposition("discontinued", date(2026, 3, 1), "withdrawal_by_subject", None),
            Disposition("completed", date(2026, 3, 1), None, None)]
    return {refused.code for end in ends if (refused := after_disposition(entry, end)) is not None}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_refusal_of_a_participant_who_left_the_study_has_its_own_words(lang: str) -> None:
    codes = _codes()
    assert codes == {"app.participant_withdrawn", "app.diary_after_study_end"}
    for code in codes:
        found = re.search(rf'"refused_{re.escape(code)}": "([^"]+)"', _blocks()[lang])
        assert found, f"{lang}: no words for {code} in js/i18n.js"
        assert "{code}" in found.group(1)   # the study team still sees which rule it was
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", found.group(1))
