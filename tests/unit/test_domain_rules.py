"""Eligibility, adverse-event rules, randomisation and canonical hashing (shared/)."""

from __future__ import annotations

import base64
import random
from collections import Counter
from datetime import date

import pytest

from shared.adverse_events import validate_adverse_event
from shared.canonical import canonical_json, content_hash
from shared.crypto import new_signing_key
from shared.eligibility import assess_eligibility
from shared.errors import AllocationError
from shared.randomisation import new_allocation_list, permuted_blocks, sign_allocation_list, verified_entries
from shared.study import default_study

STUDY = default_study()


def attested(**overrides: bool) -> dict[str, bool]:
    answers = {c.id: True for c in STUDY.inclusion if c.check == "attest"}
    answers.update({c.id: False for c in STUDY.exclusion})
    answers.update(overrides)
    return answers


def assess(**kw):
    args = {"year_of_birth": 1970, "screening_date": date(2026, 6, 1), "consent_date": date(2026, 5, 30),
            "score": 6, "attested": attested()}
    args.update(kw)
    return [(f.criterion_id, f.reason) for f in assess_eligibility(STUDY, **args)]


def test_an_eligible_participant_fails_nothing() -> None:
    assert assess() == []


@pytest.mark.parametrize(("kw", "expected"), [
    ({"year_of_birth": 2010}, ("I1", "age 16 is outside 18-70")),
    ({"year_of_birth": 1955}, ("I1", "age 71 is outside 18-70")),
    ({"score": 3}, ("I4", "ESSDAI 3 is below 4")),
    ({"score": None}, ("I4", "no baseline ESSDAI recorded")),
    ({"consent_date": None}, ("I6", "no consent date")),
    ({"consent_date": date(2026, 6, 2)}, ("I6", "consent date is after the screening date")),
    ({"attested": attested(E7=True)}, ("E7", "present (excludes the participant)")),
    ({"attested": attested(I3=False)}, ("I3", "not met")),
])
def test_each_failed_criterion_is_named(kw, expected) -> None:
    assert assess(**kw) == [expected]


def test_an_unanswered_criterion_is_a_failure_never_assumed() -> None:
    answers = attested()
    del answers["E2"]
    assert assess(attested=answers) == [("E2", "not answered")]


def test_age_boundaries_18_and_70_are_eligible() -> None:
    assert assess(year_of_birth=2008) == []
    assert assess(year_of_birth=1956) == []


def ae(**kw):
    data = {"term": "Fever", "onset_date": "2026-06-01", "end_date": None, "grade": 2, "serious": False,
            "serious_criteria": [], "causality_il2": "possible", "causality_rapamycin": "not_applicable",
            "action_il2": "none", "action_rapamycin": "not_applicable", "outcome": "recovering",
            "source_symptom": "fever", "visit_id": "week2"}
    data.update(kw)
    return {p.field: p.message for p in validate_adverse_event(data, STUDY)}


def test_a_valid_adverse_event_passes() -> None:
    assert ae() == {}


def test_any_seriousness_criterion_makes_the_event_serious() -> None:
    assert "data.serious" in ae(serious_criteria=["hospitalisation"], serious=False)
    assert ae(serious_criteria=["hospitalisation"], serious=True, grade=3,
              awareness_at="2026-06-02T09:00:00+08:00") == {}
    assert "data.serious" in ae(serious=True)


def test_grade_5_requires_serious_with_death() -> None:
    assert "data.grade" in ae(grade=5, outcome="fatal")
    assert ae(grade=5, serious=True, serious_criteria=["death"], outcome="fatal", end_date="2026-06-03",
              death_date="2026-06-03", awareness_at="2026-06-03T10:00:00+08:00") == {}
    assert "data.serious_criteria" in ae(grade=4, serious=True, serious_criteria=["death"])


def test_end_date_before_onset_and_unknown_codes_are_refused() -> None:
    problems = ae(end_date="2026-05-01", causality_il2="maybe", grade=6)
    assert set(problems) >= {"data.end_date", "data.causality_il2", "data.grade"}


def ae_v2(drugs=None, **kw):
    """An AE in the current body form: causality and action as objects keyed by the study's drug ids."""
    data = {"term": "Fever", "onset_date": "2026-06-01", "end_date": None, "grade": 2, "serious": False,
            "serious_criteria": [], "causality": {"il2": "possible", "rapamycin": "not_applicable"},
            "action": {"il2": "none", "rapamycin": "not_applicable"}, "outcome": "recovering",
            "source_symptom": "fever", "visit_id": "week2"}
    data.update(kw)
    return {p.field: p.message for p in validate_adverse_event(data, STUDY, drugs)}


def test_per_drug_fields_are_objects_keyed_by_the_study_drugs() -> None:
    assert ae_v2() == {}
    assert ae_v2(frozenset({"il2"}), causality={"il2": "possible"}, action={"il2": "none"}) == {}
    # every drug of the participant's arm needs both, and a drug the study does not have is refused
    missing = ae_v2(frozenset({"il2", "rapamycin"}), causality={"il2": "possible"})
    assert set(missing) == {"data.causality.rapamycin"}
    unknown = ae_v2(causality={"il2": "possible", "rapamycin": "unlikely", "aspirin": "certain"})
    assert "is not a study drug" in unknown["data.causality.aspirin"]
    assert "data.action" in ae_v2(action="none")
    mixed = ae_v2(causality_il2="possible")
    assert "cannot be given beside" in mixed["data.causality_il2"]


def test_both_body_forms_export_the_same_flat_fields() -> None:
    from shared.adverse_events import ae_fields, flat_ae, per_drug
    old = {"term": "Fever", "causality_il2": "possible", "causality_rapamycin": "unlikely",
           "action_il2": "none", "action_rapamycin": "reduced"}
    new = {"term": "Fever", "causality": {"il2": "possible", "rapamycin": "unlikely"},
           "action": {"il2": "none", "rapamycin": "reduced"}}
    assert flat_ae(old, STUDY) == flat_ae(new, STUDY)
    assert list(flat_ae(new, STUDY)) == list(ae_fields(STUDY))
    assert [f for f in ae_fields(STUDY) if f.startswith(("causality_", "action_"))] == [
        f"{k}_{d.id}" for k in ("causality", "action") for d in STUDY.drugs]
    assert per_drug(new, "action", "rapamycin") == per_drug(old, "action", "rapamycin") == "reduced"


def test_permuted_blocks_are_balanced_within_every_block() -> None:
    blocks = permuted_blocks(["IL2", "RAPA", "IL2RAPA"], [1, 1, 1], [3, 6], 300, random.Random(1))
    assert {len(b) for b in blocks} <= {3, 6}
    assert len({len(b) for b in blocks}) == 2  # block size is random
    for b in blocks:
        assert set(Counter(b).values()) == {len(b) // 3}


def test_allocation_list_signature_is_checked() -> None:
    private, public = new_signing_key()
    body = new_allocation_list(study_id="NCT05605665", site_id="PKU", arm_codes=["IL2", "RAPA", "IL2RAPA"],
                               ratio=[1, 1, 1], block_sizes=[3, 6], length=30, created_at="2026-01-01T00:00:00Z")
    signed = sign_allocation_list(body, private, public)
    trusted = base64.b64encode(public).decode()
    assert [e["number"] for e in verified_entries(signed, trusted)] == list(range(1, len(body["entries"]) + 1))
    signed["body"]["entries"][0]["arm"] = "RAPA" if body["entries"][0]["arm"] != "RAPA" else "IL2"
    with pytest.raises(AllocationError):
        verified_entries(signed, trusted)


def test_canonical_json_orders_keys_and_hash_is_stable() -> None:
    assert canonical_json({"b": 1, "a": [1.0, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
