"""Every rule code a correction form can show has its words in both languages (issue 23 points 3 and 5): the
zh AE form showed 'data.end_date: is before the onset date …' because no ae.* code had Chinese words."""

from __future__ import annotations

import re
from pathlib import Path

from server.web.i18n import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
# the rule modules of the record kinds the web correction form edits, and the item rules of instruments
FORM_RULES = ("adverse_events.py", "conmed.py", "vital_signs.py", "validation.py", "values.py",
              "medical_history.py", "pregnancy.py", "disposition.py")
FIELD_CODE = re.compile(r'"((?:ae|conmed|vitals|value)\.[a-z0-9_]+)"')


def test_every_field_rule_code_has_words_in_zh_and_en() -> None:
    codes = {c for name in FORM_RULES for c in FIELD_CODE.findall((ROOT / "shared" / name).read_text())}
    codes -= {"ae.causality_confirmation_refused", "ae.coding_refused"}   # page-level refusals, not field rules
    assert len(codes) > 30
    missing = sorted(c for c in codes if f"problem.{c}" not in CATALOGUE)
    assert missing == []
    for c in codes:
        en, zh = CATALOGUE[f"problem.{c}"]
        plain = re.sub(r"CTCAE|ATC|ASCII|UTC|YYYY|MM|DD|\{\w+\}", "", zh)
        assert en and zh and not re.search(r"[A-Za-z]{3,}", plain), c
