"""The validation the server runs is the one the app runs (issue 24): the JSON Schema generated from shared/ for
each home diary (shared/json_schema.py) accepts exactly the ``data`` that ``shared.validation`` accepts, for
every arm of both study files, on many random answers (hypothesis) and a table of the tricky ones."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from shared.errors import RecordInvalid
from shared.home import parse_diary_date
from shared.instruments.model import Instrument, Item, ResponseType
from shared.json_schema import answers_schema, envelope_schema
from shared.records import record_hash, timestamps
from shared.study import Study, default_study
from shared.study.loader import load_study
from shared.validation import validate_record
from tests.studies import SYNTHETIC_STUDY_FILE

STUDIES = [default_study(), load_study(SYNTHETIC_STUDY_FILE)]
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
CONSENT = date(2026, 2, 20)
PLAUSIBLE = [(CONSENT + timedelta(days=n)).isoformat() for n in range(0, 19)]   # consent .. today at the site
CASES = [(s, d, a) for s in STUDIES for d in s.home.diaries for a in s.arms]
IDS = [f"{s.study.id}-{d.instrument}-{a.code}" for s, d, a in CASES]


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _python_accepts(study: Study, instrument: Instrument, arm: str, data: Any) -> bool:
    collected_at, local = timestamps(study.sites[0].timezone, NOW)
    site = study.sites[0].id
    rec = {"record_id": str(uuid.uuid4()), "revision": 1, "kind": "instrument_response", "study_id": study.study.id,
           "study_version": study.study.version, "site_id": site, "participant_id": f"{site}-001", "visit_id": None,
           "instrument_id": instrument.id, "instrument_version": instrument.version, "data": data,
           "collected_at": collected_at, "collected_at_local": local, "entered_by": "participant",
           "device_id": "dev-app-test", "correction_reason": None, "language": "zh"}
    try:
        validate_record(rec, study, arm_code=arm, consent_date=CONSENT, now=NOW)
    except RecordInvalid:
        return False
    return True


json_leaf = (st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=6)
             | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()))
json_value = st.recursive(json_leaf, lambda kids: st.lists(kids, max_size=3)
                          | st.dictionaries(st.text(max_size=12), kids, max_size=3), max_leaves=6)


TIMES = ["00:00", "08:30", "23:59", "24:00", "8:30", "08:60", "08:30\n", "", "０８:３０"]
BAD_DATES = ["2026-02-30", "2026-3-01", "20260301", "2026-03-01\n", "2026-03-01T00:00", "", "٢٠٢٦-٠٣-٠١"]


def _good(item: Item, drugs: frozenset[str]) -> st.SearchStrategy[Any]:
    """An answer the item allows (or, now and then, null for an optional item)."""
    rt = item.response
    if rt is ResponseType.BOOLEAN:
        return st.booleans()
    if rt is ResponseType.CHOICE:
        return st.sampled_from(item.choice_codes())
    if rt is ResponseType.TEXT:
        return st.text(max_size=item.max_length)
    if rt is ResponseType.DRUG_DOSES:
        entry = (st.fixed_dictionaries({"taken": st.just(True), "time_taken": st.sampled_from(TIMES[:3])})
                 | st.fixed_dictionaries({"taken": st.just(False),
                                          "missed_reason": st.sampled_from(item.choice_codes())}))
        return st.fixed_dictionaries({d: entry for d in sorted(drugs)})
    return st.integers(int(item.minimum or 0), int(item.maximum or 0))


def _valid_data(instrument: Instrument, drugs: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Answers that follow the items' rules, required_if included (a symptom's severity only when present)."""
    asked = instrument.items_for(drugs)
    base = st.fixed_dictionaries({"diary_date": st.sampled_from(PLAUSIBLE),
                                  **{it.id: _good(it, drugs) for it in asked}})

    def follow_up(data: dict[str, Any]) -> dict[str, Any]:
        for it in asked:
            cond = it.required_if
            if cond is not None and not it.required and data.get(cond.item_id) not in cond.values:
                data.pop(it.id, None)
        return data

    return base.map(follow_up)


def _mutated(data: dict[str, Any], how: str, key: str, value: Any, inner: str) -> dict[str, Any]:
    """``data`` with one change: a key dropped, set to anything, null, an unknown key, or a part of a nested
    entry (a drug's taken / time / reason) dropped or set."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    keys = sorted(out)
    target = keys[sum(map(ord, key)) % len(keys)] if keys else key
    if how == "drop":
        out.pop(target, None)
    elif how == "set":
        out[target] = value
    elif how == "null":
        out[target] = None
    elif how == "unknown":
        out[key or "x"] = value
    elif how == "date":
        out["diary_date"] = value
    elif how == "nested":
        for v in out.values():
            if isinstance(v, dict):
                for drug, entry in list(v.items()):
                    if isinstance(entry, dict):
                        entry = dict(entry)
                        if inner == "drop":
                            entry.pop(sorted(entry)[sum(map(ord, key)) % len(entry)], None)
                        else:
                            entry[inner] = value
                        v[drug] = entry
                        break
                if key:
                    v[key] = value
                break
    return out


def _data(instrument: Instrument, drugs: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    changes = st.sampled_from(["none", "none", "drop", "set", "null", "unknown", "date", "nested", "nested"])
    values = st.sampled_from(TIMES + BAD_DATES + PLAUSIBLE[:2]) | json_value
    inner = st.sampled_from(["drop", "taken", "time_taken", "missed_reason", "dose"])
    return st.builds(lambda d, how, key, value, part: d if how == "none" else _mutated(d, how, key, value, part),
                     _valid_data(instrument, drugs), changes, st.text(max_size=8), values, inner)


def _plausible_or_not_a_date(data: dict[str, Any]) -> bool:
    """Dates the schema cannot judge in time (the server does: listed as server rules) are left out."""
    value = data.get("diary_date")
    return parse_diary_date(value) is None or value in PLAUSIBLE


@pytest.mark.parametrize(("study", "diary", "arm"), CASES, ids=IDS)
def test_the_generated_schema_and_the_server_validator_agree_on_random_answers(study, diary, arm) -> None:
    instrument = study.instrument(diary.instrument)
    drugs = arm.drugs
    validator = _validator(answers_schema(instrument, drugs))
    seen = {True: 0, False: 0}

    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_data(instrument, drugs))
    def agree(data: dict[str, Any]) -> None:
        assume(_plausible_or_not_a_date(data))
        python = _python_accepts(study, instrument, arm.code, data)
        schema = validator.is_valid(data)
        assert python == schema, (data, python, [e.message for e in validator.iter_errors(data)])
        seen[python] += 1

    agree()
    assert seen[True] > 20 and seen[False] > 20, seen   # both sides of the line were tried


def _dosing() -> tuple[Study, Instrument]:
    study = default_study()
    return study, next(i for i in study.instrument_definitions() if i.id == study.home.diaries[0].instrument)


TAKEN = {"taken": True, "time_taken": "08:30"}
MISSED = {"taken": False, "missed_reason": "forgot"}


@pytest.mark.parametrize(("doses", "ok"), [
    ({"il2": TAKEN, "rapamycin": MISSED}, True),
    ({"il2": MISSED, "rapamycin": TAKEN}, True),
    ({"il2": TAKEN}, False),                                                   # a drug of the arm unanswered
    ({"il2": TAKEN, "rapamycin": TAKEN, "other": TAKEN}, False),               # not a drug of the arm
    ({"il2": {"taken": True}, "rapamycin": TAKEN}, False),                     # taken: the time is required
    ({"il2": {"taken": False}, "rapamycin": TAKEN}, False),                    # not taken: the reason is required
    ({"il2": {**TAKEN, "missed_reason": "forgot"}, "rapamycin": TAKEN}, False),
    ({"il2": {**MISSED, "time_taken": "08:30"}, "rapamycin": TAKEN}, False),
    ({"il2": {"taken": True, "time_taken": "08:30\n"}, "rapamycin": TAKEN}, False),   # "$" before a newline
    ({"il2": {"taken": True, "time_taken": None}, "rapamycin": TAKEN}, False),        # no nulls inside an entry
    ({"il2": {"taken": 1, "time_taken": "08:30"}, "rapamycin": TAKEN}, False),
    ({"il2": {"taken": False, "missed_reason": None}, "rapamycin": TAKEN}, False),
])
def test_the_cross_field_rules_of_a_dose_entry_are_in_the_schema_as_if_then(doses: dict, ok: bool) -> None:
    study, instrument = _dosing()
    data = {"diary_date": "2026-03-09", "doses": doses}
    assert _python_accepts(study, instrument, "IL2RAPA", data) is ok
    assert _validator(answers_schema(instrument, study.arm("IL2RAPA").drugs)).is_valid(data) is ok


def test_the_envelope_schema_accepts_what_the_phone_builds_and_names_the_credential() -> None:
    study = default_study()
    diaries = list(study.home.diaries)
    schema = envelope_schema(study_id=study.study.id, site_id="PKU", participant_id="PKU-001",
                             device_id="dev-app-1", diaries=diaries)
    collected_at, local = timestamps("Asia/Shanghai", NOW)
    rec = {"record_id": str(uuid.uuid4()), "revision": 1, "kind": "instrument_response", "study_id": study.study.id,
           "study_version": study.study.version, "site_id": "PKU", "participant_id": "PKU-001", "visit_id": None,
           "instrument_id": diaries[0].instrument, "instrument_version": diaries[0].version,
           "data": {"diary_date": "2026-03-09", "doses": {"il2": TAKEN, "rapamycin": MISSED}},
           "collected_at": collected_at, "collected_at_local": local, "entered_by": "participant",
           "device_id": "dev-app-1", "correction_reason": None, "language": "zh"}
    validator = _validator(schema)
    assert validator.is_valid(rec) and record_hash(rec).startswith("sha256:")
    for change in ({"participant_id": "PKU-002"}, {"device_id": "dev-other"}, {"visit_id": "week2"},
                   {"entered_by": "staff:nurse.a"}, {"instrument_version": "9.9"}, {"revision": 2},
                   {"correction_reason": "typo"}, {"record_id": rec["record_id"].upper()}, {"extra": 1}):
        assert not validator.is_valid({**rec, **change}), change
    assert validator.is_valid({**rec, "revision": 2, "correction_reason": "wrong time"})


def _home_symptoms() -> tuple[Study, Instrument]:
    study = default_study()
    inst = study.instrument_with_role("home_symptoms")
    assert inst is not None and inst.at_least_one is not None
    return study, inst


@pytest.mark.parametrize(("answers", "ok"), [
    ({"rash_present": True, "rash_severity": "mild"}, True),                       # one symptom only
    ({"fever_present": False, "rash_present": True, "rash_severity": "severe"}, True),
    ({}, False),                                                                   # no symptom at all
    ({"fever_present": False, "rash_present": False}, False),                      # none present
    ({"fever_present": None, "rash_present": None}, False),
    ({"fever_present": 1, "fever_severity": "mild"}, False),                       # 1 is not true
    ({"oral_ulcer_present": True, "oral_ulcer_severity": "mild"}, False),          # not asked of this arm
    ({"rash_present": True}, False),                                               # present: severity required
])
def test_at_least_one_symptom_is_in_the_schema_as_any_of(answers: dict, ok: bool) -> None:
    study, instrument = _home_symptoms()
    data = {"diary_date": "2026-03-09", **answers}
    assert _python_accepts(study, instrument, "IL2", data) is ok
    schema = answers_schema(instrument, study.arm("IL2").drugs)
    assert _validator(schema).is_valid(data) is ok
    (rule,) = [c for c in schema["allOf"] if c.get("$comment") == "at_least_one"]
    assert [b["required"] for b in rule["anyOf"]] == [[i] for i in ("fever_present", "rash_present",
                                                                   "liver_present", "infection_present")]
