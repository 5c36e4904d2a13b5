"""The correction form is read back by the record's field definitions: each field comes back as the type its
definition says (never guessed from the stored value, never JSON), text that is not such a value names the
field, and a randomisation's arm, number, allocation list and eligibility record are never changed.
(Replaces the checks of the old JSON correction form, tests/integration/test_web_correction_form.py.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from shared.record_fields import record_fields
from shared.record_input import LOCKED, Getter, read_form
from shared.study.loader import DEFAULT_STUDY_FILE, load_study

STUDY = load_study(DEFAULT_STUDY_FILE)


def _record(kind: str, data: dict[str, Any], role: str | None = None) -> dict[str, Any]:
    inst = STUDY.instrument_with_role(role) if role else None
    return {"kind": kind, "instrument_id": inst.id if inst else None,
            "instrument_version": inst.version if inst else None, "data": data}


def _form(values: Mapping[str, list[str]]) -> Getter:
    """A form as the route passes it (``request.form.getlist``)."""
    return lambda name: list(values.get(name, []))


def _clinician_index() -> tuple[dict[str, Any], str, str]:
    inst = STUDY.instrument_with_role("clinician_index")
    assert inst is not None
    item = next(i for i in inst.items if i.choices)
    return _record("instrument_response", {i.id: 0 for i in inst.items}, "clinician_index"), item.id, \
        str(item.choices[-1].code)


def test_values_come_back_as_their_definition_says() -> None:
    vas = _record("instrument_response", {"activity": 64}, "patient_global")
    fields = record_fields(vas, STUDY)
    assert fields is not None
    assert read_form(fields, vas["data"], _form({"f_activity": ["46"]})) == ({"activity": 46}, [])
    assert read_form(fields, vas["data"], _form({"f_activity": ["64"]}))[0] == vas["data"]   # untouched: as stored
    rec, item, top = _clinician_index()
    data, problems = read_form(record_fields(rec, STUDY), rec["data"], _form({f"f_{item}": [top]}))
    assert problems == [] and data[item] == int(top) and type(data[item]) is int   # a coded choice, not text
    ae = _record("adverse_event", {"term": "Rash", "onset_date": "2026-11-01", "grade": 2, "serious": False,
                                   "serious_criteria": [], "causality": {STUDY.drugs[0].id: "possible"},
                                   "outcome": "recovering"})
    sent = {"f_grade": ["3"], "f_serious": ["true"], "f_serious_criteria": ["hospitalisation", "medically_important"],
            f"f_causality.{STUDY.drugs[0].id}": ["probable"], "f_onset_date": ["2026-10-30"], "f_end_date": [""],
            "f_term": ["Rash"], "f_outcome": ["recovering"]}
    data, problems = read_form(record_fields(ae, STUDY), ae["data"], _form(sent))
    assert problems == []
    assert data["grade"] == 3 and data["serious"] is True and data["onset_date"] == "2026-10-30"
    assert data["serious_criteria"] == ["hospitalisation", "medically_important"]
    assert data["causality"] == {STUDY.drugs[0].id: "probable"}
    assert "end_date" not in data                       # an optional field left empty stays absent


@pytest.mark.parametrize(("typed", "code"), [
    ("sixty", "value.not_whole_number"), ("101", "value.above_range"), ("-1", "value.below_range"),
    ("4.5", "value.not_whole_number"),
])
def test_unreadable_values_name_the_field(typed: str, code: str) -> None:
    vas = _record("instrument_response", {"activity": 64}, "patient_global")
    _data, problems = read_form(record_fields(vas, STUDY), vas["data"], _form({"f_activity": [typed]}))
    assert [(p.field, p.code) for p in problems] == [("data.activity", code)]
    assert problems[0].message.startswith("data.activity: ")


def test_a_choice_that_is_not_one_is_refused_naming_the_field() -> None:
    rec, item, _top = _clinician_index()
    _data, problems = read_form(record_fields(rec, STUDY), rec["data"], _form({f"f_{item}": ["7"]}))
    assert [(p.field, p.code) for p in problems] == [(f"data.{item}", "value.not_a_choice")]


def test_a_randomisation_is_never_changed_by_a_correction() -> None:
    arms = [a.code for a in STUDY.arms]
    rand = _record("randomisation", {"arm": arms[0], "randomisation_number": 4, "allocation_list_id": "L1",
                                     "eligibility_record_id": "E1", "eligibility_score": 6})
    fields = record_fields(rand, STUDY)
    assert fields is not None and all(f.locked is not None for f in fields.fields)
    data, problems = read_form(fields, rand["data"], _form({"f_arm": [arms[1]], "f_randomisation_number": ["9"]}))
    assert data == rand["data"]
    assert sorted(p.field for p in problems) == ["data.arm", "data.randomisation_number"]
    assert all(p.code == LOCKED and "randomisation" in p.message for p in problems)
    assert read_form(fields, rand["data"], _form({}))[1] == []
