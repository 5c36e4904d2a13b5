"""The edit-check vocabulary of the study file and the query states, as pure rules."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.edit_checks import EditCheck, failing_value
from shared.errors import QueryStateRefused
from shared.queries import next_state, validate_query_response
from shared.study import default_study
from shared.study.model import Study

SYNTHETIC = Path(__file__).resolve().parents[1] / "studies" / "synthetic_two_arm.toml"


def _check(**kw: object) -> EditCheck:
    return EditCheck(**{"id": "c", "instrument": "x", "field": "a", "text": "t", "text_zh": "t", **kw})


def test_a_range_check_fails_outside_its_bounds_and_skips_what_was_not_answered() -> None:
    c = _check(check="range", minimum=4)
    assert failing_value(c, {"a": 3}) == (True, 3)
    assert failing_value(c, {"a": 4}) == (False, 4)
    assert failing_value(c, {}) == (False, None)
    assert failing_value(c, {"a": True})[0] is False  # a boolean is not a number


def test_a_condition_limits_a_check_to_records_where_it_holds() -> None:
    c = _check(check="range", minimum=4, when={"field": "missed", "equals": False})
    assert failing_value(c, {"a": 2, "missed": False})[0]
    assert not failing_value(c, {"a": 2, "missed": True})[0]
    assert not failing_value(c, {"a": 2, "missed": 0})[0]  # 0 is not false
    assert c.rule_text() == "4 ≤ a when missed = False"


def test_a_compare_check_names_both_fields() -> None:
    c = _check(check="compare", op="le", other="b")
    assert failing_value(c, {"a": 5, "b": 4}) == (True, 5)
    assert not failing_value(c, {"a": 4, "b": 4})[0]
    assert not failing_value(c, {"a": "x", "b": 4})[0]   # values that do not compare say nothing
    assert c.rule_text() == "a ≤ b"


@pytest.mark.parametrize("kw", [{"check": "range"}, {"check": "compare", "op": "le"},
                                {"check": "range", "maximum": 1, "op": "le"}, {"check": "between"}])
def test_an_incomplete_check_is_refused_when_the_study_file_loads(kw: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _check(**kw)


def test_the_study_file_names_real_items_and_a_second_study_loads_its_own_checks() -> None:
    assert len(default_study().edit_checks) >= 2
    raw = tomllib.loads(SYNTHETIC.read_text(encoding="utf-8"))
    assert Study.model_validate(raw).edit_checks[1].rule_text() == "fatigue ≤ pain when dryness = 0"
    raw["edit_checks"][0]["field"] = "colour"
    with pytest.raises(ValidationError, match="'colour' is neither an item nor a score of physician_global_vas"):
        Study.model_validate(raw)


def test_query_states_refuse_a_step_naming_the_state_and_what_is_allowed() -> None:
    assert next_state("q1", "open", "answer") == "answered"
    assert next_state("q1", "closed", "reopen") == "reopened"
    with pytest.raises(QueryStateRefused, match="state: query q1 is closed; to answer it, it must be open"):
        next_state("q1", "closed", "answer")
    assert validate_query_response({"query_id": "q1", "message": "checked"}) == []
    assert [p.field for p in validate_query_response({"query_id": 5, "message": " ", "x": 1})] == \
        ["data.x", "data.query_id", "data.message"]
