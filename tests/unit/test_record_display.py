"""Every page shows a value by one rule: choices by their label in the page's language, numbers with their
unit, yes/no in words, computed scores with their band, the record by its instrument's title."""

from __future__ import annotations

from shared.record_display import EMPTY, shown_record
from shared.study.loader import DEFAULT_STUDY_FILE, load_study

STUDY = load_study(DEFAULT_STUDY_FILE)


def _response(role: str, data: dict) -> dict:
    inst = STUDY.instrument_with_role(role)
    assert inst is not None
    return {"kind": "instrument_response", "instrument_id": inst.id, "instrument_version": inst.version,
            "data": data}


def test_a_record_is_shown_by_its_instrument_title_with_units_and_scores_in_both_languages() -> None:
    inst = STUDY.instrument_with_role("patient_global")
    rec = _response("patient_global", {"activity": 45})
    en, zh = shown_record(rec, STUDY, "en"), shown_record(rec, STUDY, "zh")
    assert (en.title, zh.title) == (inst.title.en, inst.title.zh)
    assert en.fields[0].text == "45 mm" and en.fields[0].label == inst.items[0].label.en
    assert zh.fields[0].label == inst.items[0].label.zh
    assert [s.text for s in en.scores] == ["45 mm"]


def test_choices_are_shown_by_their_labels_and_the_score_by_its_band() -> None:
    inst = STUDY.instrument_with_role("clinician_index")
    data = {i.id: 0 for i in inst.items}
    top = next(i for i in inst.items if i.choices)
    data[top.id] = top.choices[-1].code
    en, zh = shown_record(_response("clinician_index", data), STUDY, "en"), shown_record(
        _response("clinician_index", data), STUDY, "zh")
    first = next(f for f in en.fields if f.name == top.id)
    assert first.text == f"{top.choices[-1].code} – {top.choices[-1].label.en}"
    assert next(f for f in zh.fields if f.name == top.id).text.endswith(top.choices[-1].label.zh)
    assert en.scores and "(" in en.scores[0].text          # the score with its band ("6 (moderate)")
    assert not any(c.isascii() and c.isalpha() for c in zh.scores[0].text.split("(")[-1])


def test_staff_records_show_vocabulary_labels_and_yes_no_and_say_when_a_kind_has_no_definition() -> None:
    drug = STUDY.drugs[0]
    ae = {"kind": "adverse_event", "data": {"term": "Rash", "grade": 2, "serious": False, "outcome": "recovering",
                                            "causality": {drug.id: "possible"}, "end_date": None}}
    en = shown_record(ae, STUDY, "en")
    assert en.title == "Adverse event"
    assert en.text("serious") == "no" and en.text("outcome") == "Recovering/resolving"
    assert en.text("causality") == f"{drug.label}: Possible" and en.text("end_date") == EMPTY
    assert en.text("grade").startswith("2 – Moderate")
    assert shown_record(ae, STUDY, "zh").text("outcome") == "正在恢复"
    odd = shown_record({"kind": "something_new", "data": {"x": 1}}, STUDY, "en")
    assert not odd.defined and odd.fields[0].text == "1" and not odd.fields[0].defined
