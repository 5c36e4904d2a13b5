"""The correction form reads each field back as the type of its current value, and names a field it cannot read."""

from __future__ import annotations

import pytest

from server.web.participants import form_text, parse_value
from shared.errors import InvalidInput


@pytest.mark.parametrize(("current", "typed", "expected"), [
    (64, "46", 46),
    (2, "3", 3),
    (True, "false", False),
    (["death"], "death, hospitalisation", ["death", "hospitalisation"]),
    (None, "2026-11-01", "2026-11-01"),
    ("2026-11-01", "", None),
    ({"I2": True}, '{"I2": false}', {"I2": False}),
    (4.5, "5.25", 5.25),
])
def test_values_come_back_as_the_type_they_had(current: object, typed: str, expected: object) -> None:
    assert parse_value("f", typed, current) == expected
    assert parse_value("f", form_text(current), current) == current     # untouched fields stay exactly as stored


@pytest.mark.parametrize(("current", "typed", "message"), [
    (64, "sixty", "activity: 'sixty' is not a whole number."),
    (True, "maybe", "activity: 'maybe' is not allowed; write true or false."),
    (4.5, "x", "activity: 'x' is not a number."),
    ({"I2": True}, "[1]", "activity: write a JSON object like the current value"),
])
def test_unreadable_values_name_the_field(current: object, typed: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_value("activity", typed, current)
    assert refused.value.message.startswith(message)
