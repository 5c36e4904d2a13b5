"""Digits in ids, numbers and dates are ASCII 0-9: Python's ``\\d`` and ``int``/``float`` also take other scripts'
digits, so "PKU-١٢٣" (Arabic-Indic) was a valid participant id beside "PKU-123", and a lab value "٤.٣٥" was stored
as 4.35 (a silent fix). Each rule refuses them as it refuses any other malformed text."""

from __future__ import annotations

from datetime import date

import pytest

from shared.errors import RecordInvalid
from shared.lab import validate_lab_row
from shared.records import new_record
from shared.study import default_study
from shared.validation import validate_record
from shared.values import partial_date_bounds

STUDY = default_study()
ARABIC = "٠١٢٣٤٥٦٧٨٩"  # U+0660..U+0669
FULLWIDTH = "０１２３４５６７８９"


def _script(text: str, digits: str) -> str:
    return "".join(digits[int(c)] if c.isdigit() else c for c in text)


def _vas(participant_id: str) -> dict:
    return new_record(kind="instrument_response", study_id="NCT05605665", study_version="1.0.0", site_id="PKU",
                      participant_id=participant_id, data={"activity": 50}, entered_by="participant",
                      device_id="dev-test", visit_id="week2", instrument_id="patient_global_vas",
                      instrument_version="1.0", timezone=STUDY.sites[0].timezone)


@pytest.mark.parametrize("digits", [ARABIC, FULLWIDTH])
def test_a_participant_id_with_another_scripts_digits_is_refused_naming_the_field(digits: str) -> None:
    validate_record(_vas("PKU-123"), STUDY)
    with pytest.raises(RecordInvalid) as err:
        validate_record(_vas(_script("PKU-123", digits)), STUDY)
    assert "participant_id" in str(err.value)


@pytest.mark.parametrize("digits", [ARABIC, FULLWIDTH])
def test_a_lab_row_with_another_scripts_digits_is_refused_not_read_as_a_number(digits: str) -> None:
    good = {"participant": "PKU-001", "visit": "baseline", "date": "2026-10-01", "value": "4.35", "unit": "%"}
    today = date(2026, 11, 25)
    row, problems = validate_lab_row(good, 2, STUDY, today=today)
    assert problems == [] and row is not None
    for field in ("value", "participant"):
        row, problems = validate_lab_row({**good, field: _script(good[field], digits)}, 2, STUDY, today=today)
        assert row is None
        assert [p.field for p in problems] == [f"row 2.{field}"], problems


@pytest.mark.parametrize("digits", [ARABIC, FULLWIDTH])
def test_a_partial_date_with_another_scripts_digits_is_not_a_date(digits: str) -> None:
    assert partial_date_bounds("2020-05") == (date(2020, 5, 1), date(2020, 5, 31))
    assert partial_date_bounds(_script("2020-05", digits)) is None
    assert partial_date_bounds(_script("2020", digits)) is None
