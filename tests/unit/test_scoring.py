"""Scoring against hand-worked cases."""

from __future__ import annotations

import pytest

from shared.instruments import get_instrument

ESSDAI = get_instrument("essdai")
DOMAINS = [(it.id, max(it.choice_codes())) for it in ESSDAI.items]


def activity_band(total: int) -> str:
    return ESSDAI.declared_score().band(total)


@pytest.mark.parametrize(("dryness", "fatigue", "pain", "expected"), [
    (0, 0, 0, 0.0), (10, 10, 10, 10.0), (7, 5, 3, 5.0), (8, 6, 5, 6.3333), (1, 0, 0, 0.3333),
])
def test_esspri_is_the_mean_of_dryness_fatigue_and_pain(dryness, fatigue, pain, expected) -> None:
    score = get_instrument("esspri").score({"dryness": dryness, "fatigue": fatigue, "pain": pain})
    assert score["esspri"] == pytest.approx(expected, abs=1e-4)


def test_esspri_is_not_scored_when_an_item_is_missing() -> None:
    assert get_instrument("esspri").score({"dryness": 5, "fatigue": 5})["esspri"] is None


def test_essdai_total_is_sum_of_level_times_weight() -> None:
    essdai = get_instrument("essdai")
    answers = {d[0]: 0 for d in DOMAINS}
    # constitutional moderate (2x3=6) + articular high (3x2=6) + biological low (1x1=1) + CNS high (3x5=15)
    answers.update(constitutional=2, articular=3, biological=1, central_nervous=3)
    assert essdai.score(answers)["essdai"] == 28
    assert activity_band(28) == "high"


def test_essdai_maximum_is_123_and_bands_follow_eular() -> None:
    essdai = get_instrument("essdai")
    assert essdai.score_maximum() == 123
    assert essdai.score({d: top for d, top in DOMAINS})["essdai"] == 123
    assert [activity_band(t) for t in (0, 4, 5, 13, 14)] == ["low", "low", "moderate", "moderate", "high"]


def test_essdai_needs_every_domain() -> None:
    answers = {d[0]: 1 for d in DOMAINS if d[0] != "renal"}
    assert get_instrument("essdai").score(answers)["essdai"] is None


def test_vas_scores_are_the_recorded_values() -> None:
    assert get_instrument("patient_global_vas").score({"activity": 37}) == {"patient_global_vas_mm": 37}
    assert get_instrument("physician_global_vas").score({"activity": 4.5}) == {"physician_global_vas": 4.5}


def test_symptom_checklist_counts_present_symptoms() -> None:
    answers = {"fever_present": True, "fever_severity": "moderate", "rash_present": False,
               "liver_present": False, "infection_present": True, "infection_severity": "mild"}
    inst = get_instrument("symptom_checklist")
    assert inst.score(answers) == {"symptoms_present": 2}
    assert inst.reported_groups(answers) == {"fever": "moderate", "infection": "mild"}


def test_symptom_checklist_is_tailored_by_arm() -> None:
    inst = get_instrument("symptom_checklist")
    il2 = {i.id for i in inst.items_for(frozenset({"il2"}))}
    rapa = {i.id for i in inst.items_for(frozenset({"rapamycin"}))}
    assert "fever_present" in il2 and "fever_present" not in rapa
    assert "oral_ulcer_present" in rapa and "oral_ulcer_present" not in il2
    assert "rash_present" in il2 and "rash_present" in rapa


def test_a_score_of_partly_answered_items_follows_require_all_for_every_method() -> None:
    """The answered items alone are scored when ``require_all`` is false (a mean over them, a sum of them), none
    when every item is missing or a required one is (the fast path for fully answered forms, issue 25)."""
    from itertools import product

    from shared.instruments.model import Score

    for method, require_all in product(("sum", "mean", "weighted_sum"), (True, False)):
        weights = {"a": 2, "b": 3} if method == "weighted_sum" else {}
        s = Score(name="s", method=method, items=("a", "b"), weights=weights, require_all=require_all)
        for a, b in product((None, 0, 4), (None, 1.5)):
            answers = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
            present = [v for v in (a, b) if v is not None]
            if not present or (require_all and len(present) < 2):
                expected = None
            elif method == "weighted_sum":
                expected = sum(int(v) * weights[k] for k, v in answers.items())
            else:
                expected = sum(present) / len(present) if method == "mean" else sum(present)
            assert s.compute(answers) == expected, (method, require_all, answers)
