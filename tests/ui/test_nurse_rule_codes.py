"""Rule outcomes reach the nurse screens as codes with params, translated there, never parsed out of English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from desktop_client.ui.nurse.problems import RULES, problem_text
from desktop_client.ui.nurse.screening import REASONS, reason_text
from shared.eligibility import Failure
from shared.errors import FieldProblem
from tests.ui.nurse_drive import app_language

ROOT = Path(__file__).resolve().parents[2]


def _codes_in(path: Path, prefix: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and re.fullmatch(re.escape(prefix) + r"[a-z0-9_]+", n.value)}


def test_every_eligibility_and_ae_rule_code_has_a_translated_wording() -> None:
    assert _codes_in(ROOT / "shared" / "eligibility.py", "eligibility.") == set(REASONS)
    assert _codes_in(ROOT / "shared" / "adverse_events.py", "ae.") == set(RULES)


def test_a_failure_is_worded_from_its_code_and_params_not_its_english_reason(qapp) -> None:
    failure = Failure("I1", "Age 18-75", "(English wording may change)", "eligibility.age_outside",
                      {"age": 80, "min": 18, "max": 75})
    grade = FieldProblem("data.grade", 5, "(any)", "data.grade: (English)", "ae.grade5_needs_death")
    with app_language(qapp) as lang:
        assert reason_text(failure) == "age 80 is outside 18-75"
        lang.set("zh")
        assert reason_text(failure) == "年龄80岁，不在18-75岁范围内"
        assert problem_text(grade) == "CTCAE分级: 5级要求该事件为严重不良事件并勾选“导致死亡”"
    unknown = Failure("I9", "Other", "a reason no screen knows yet", "eligibility.new_rule", {})
    assert reason_text(unknown) == "a reason no screen knows yet"    # never hidden
