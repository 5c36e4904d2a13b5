"""Instrument data files: checked like the study file, and scoring exactly as the Python modules they replace.

The oracle is ``tests/unit/legacy_instruments`` (the modules as they were before issue 12): every instrument
file must hold the same items and texts and give byte-identical scores on many random answer sets.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from typing import Any

import pytest

from shared.errors import InstrumentFileError, StudyFileError
from shared.instruments import all_instruments, get_instrument, parse_instrument
from shared.instruments.loader import FILES_DIR, load_instrument
from shared.instruments.model import ResponseType
from shared.study import default_study, parse_study
from shared.study.loader import DEFAULT_STUDY_FILE
from tests.unit.legacy_instruments import LEGACY
from tests.unit.legacy_instruments.essdai import MAX_TOTAL, activity_band
from tests.unit.legacy_instruments.symptom_checklist import SEVERITY_RANK, reported_symptoms

IDS = [i.id for i in LEGACY]


def _random_answer(item: Any, rng: random.Random) -> Any:
    """A value the validator accepts for ``item``, or None (unanswered) now and then."""
    if rng.random() < 0.08:
        return None
    rt = item.response.value
    if rt == "choice":
        return rng.choice(item.choice_codes())
    if rt == "boolean":
        return rng.random() < 0.5
    if rt == "text":
        return "x" * rng.randint(0, 20)
    lo, hi = int(item.minimum), int(item.maximum)
    if rt == "number" and item.decimals:
        scale = 10 ** item.decimals
        return rng.choice([rng.randint(lo * scale, hi * scale) / scale, -0.0 if lo == 0 else float(lo)])
    return rng.randint(lo, hi)


def _exact(scores: dict[str, Any]) -> str:
    """Scores as bytes that tell 6 from 6.0 and 0.0 from -0.0."""
    return json.dumps({k: [type(v).__name__, repr(v)] for k, v in scores.items()}, sort_keys=True)


@pytest.mark.parametrize("instrument_id", IDS)
def test_every_file_scores_byte_identically_to_the_module_it_replaces(instrument_id: str) -> None:
    old = next(i for i in LEGACY if i.id == instrument_id)
    new = get_instrument(instrument_id, old.version)
    rng = random.Random(f"issue-12-{instrument_id}")
    for _ in range(5000):
        answers = {it.id: _random_answer(it, rng) for it in old.items}
        if rng.random() < 0.3:  # sometimes items are absent altogether (not asked of this arm)
            answers = {k: v for k, v in answers.items() if v is not None}
        assert _exact(new.score(answers)) == _exact(old.score(answers)), answers


@pytest.mark.parametrize("instrument_id", IDS)
def test_every_file_holds_the_same_items_and_texts_as_the_module(instrument_id: str) -> None:
    old = next(i for i in LEGACY if i.id == instrument_id)
    new = get_instrument(instrument_id, old.version)
    for field in ("id", "version", "respondent", "arm_specific", "notes", "score_names"):
        assert getattr(new, field) == getattr(old, field), field
    for field in ("title", "instructions", "recall_period"):
        assert (getattr(new, field) and getattr(new, field).model_dump()) == (
            getattr(old, field) and asdict(getattr(old, field))), field
    assert [it.id for it in new.items] == [it.id for it in old.items]
    for o, n in zip(old.items, new.items, strict=True):
        assert n.label.model_dump() == asdict(o.label)
        assert n.response.value == o.response.value
        for field in ("minimum", "maximum", "decimals", "required", "unit", "max_length"):
            assert (getattr(n, field), type(getattr(n, field))) == (getattr(o, field), type(getattr(o, field)))
        assert [(c.code, c.label.model_dump()) for c in n.choices] == [(c.code, asdict(c.label)) for c in o.choices]
        assert (n.required_if and n.required_if.model_dump()) == (o.required_if and asdict(o.required_if))
        assert [a.model_dump() for a in n.anchors or ()] == [asdict(a) for a in o.anchors or ()]
        assert n.tags == tuple(t for t in o.tags if not t.startswith("weight:"))
        for drugs in (frozenset({"il2"}), frozenset({"rapamycin"}), frozenset({"il2", "rapamycin"}), None):
            assert [i.id for i in new.items_for(drugs)] == [i.id for i in old.items_for(drugs)]


def test_weighted_domains_bands_and_symptom_groups_match_the_modules() -> None:
    essdai = get_instrument("essdai")
    assert essdai.score_maximum() == MAX_TOTAL == 123
    assert [essdai.declared_score().band(t) for t in range(0, 124)] == [activity_band(t) for t in range(0, 124)]
    checklist = get_instrument("symptom_checklist")
    old = next(i for i in LEGACY if i.id == "symptom_checklist")
    rng = random.Random("groups")
    for _ in range(2000):
        answers = {it.id: _random_answer(it, rng) for it in old.items}
        assert checklist.reported_groups(answers) == reported_symptoms(answers)
    for group in checklist.groups():
        for code in ("mild", "moderate", "severe", "unknown", None):
            assert checklist.group_rank(group, code) == SEVERITY_RANK.get(code, 0)  # type: ignore[arg-type]


def test_the_library_holds_one_file_per_instrument_version_named_after_it() -> None:
    names = sorted(p.name for p in FILES_DIR.glob("*.toml"))
    assert names == sorted(f"{i.id}-{i.version}.toml" for i in all_instruments())
    assert {i.id for i in all_instruments()} >= set(IDS)


def test_a_broken_instrument_file_names_the_field() -> None:
    text = (FILES_DIR / "esspri-1.0.toml").read_text(encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"field 'items\[1\]\.response'"):
        parse_instrument(text.replace('response = "integer"', 'response = "slider"', 2), source="esspri")
    with pytest.raises(InstrumentFileError, match=r"field 'scores\[0\]\.method'"):
        parse_instrument(text.replace('method = "mean"', 'method = "median"'), source="esspri")
    with pytest.raises(InstrumentFileError, match=r"score esspri: \['tiredness'\] are not items"):
        parse_instrument(text.replace('"fatigue", "pain"]', '"tiredness", "pain"]'), source="esspri")
    with pytest.raises(InstrumentFileError, match="not valid TOML"):
        parse_instrument(text + "\n[[items]\n", source="esspri")


def test_a_weighted_sum_must_weigh_exactly_its_items(tmp_path) -> None:
    text = (FILES_DIR / "essdai-1.0.toml").read_text(encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="weights must name exactly"):
        parse_instrument(text.replace("renal = 5, ", ""), source="essdai")
    wrong = tmp_path / "essdai-2.0.toml"
    wrong.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"name it essdai-1\.0\.toml"):
        load_instrument(wrong)


def test_a_study_naming_an_instrument_version_not_installed_is_refused() -> None:
    text = DEFAULT_STUDY_FILE.read_text(encoding="utf-8")
    broken = text.replace('id = "esspri"\nversion = "1.0"', 'id = "esspri"\nversion = "9.9"')
    with pytest.raises(StudyFileError, match=r"instruments\[1\].*'esspri' version '9.9' is not defined"):
        parse_study(broken)


def test_the_study_finds_its_instruments_by_id_and_version() -> None:
    study = default_study()
    # the legacy modules' instruments, then the home diaries (issue 24: new files, no legacy module)
    assert [i.id for i in study.instrument_definitions()] == [*IDS, "home_dosing", "home_symptoms"]
    assert all(i.items for i in study.instrument_definitions())
    assert study.instrument("essdai").item("renal").response is ResponseType.CHOICE


def test_an_at_least_one_rule_names_items_of_its_instrument_and_holds_over_those_asked() -> None:
    text = (FILES_DIR / "home_symptoms-1.0.toml").read_text(encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"at_least_one: \['cough_present'\] are not items"):
        parse_instrument(text.replace('items = ["fever_present", ', 'items = ["cough_present", ', 1), source="home")
    rule = parse_instrument(text, source="home").at_least_one
    assert rule is not None and rule.value is True and rule.message.zh
    asked = rule.asked(("rash_present", "rash_severity", "fever_present"))
    assert asked == ("fever_present", "rash_present")
    assert rule.holds({"rash_present": True}, asked) and not rule.holds({"rash_present": 1}, asked)
    assert not rule.holds({}, asked) and rule.holds({}, ())   # nothing asked: nothing to name
