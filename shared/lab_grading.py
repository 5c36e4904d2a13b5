"""Normal-range flags and CTCAE v5.0 grades of lab results, the AE a graded result proposes, and the results
graded severe that no adverse event covers (for a data query).

Pure functions over plain values: the criteria are data (``shared/grading/ctcae-5.0.toml``), the tests,
ranges and thresholds of what to propose are in the study file (``[labs]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.grading import CTCAE_VERSION, criteria
from shared.study.lab_panel import LabTest
from shared.study.model import Study


@dataclass(frozen=True)
class LabGrade:
    """A CTCAE grade of one value: the grade, the criterion's term and how the value compares (e.g. 3.4 x ULN)."""

    grade: int
    term: str
    criterion: str
    basis: str
    version: str = CTCAE_VERSION


def range_indicator(test: LabTest, value: float, sex: str | None) -> str | None:
    """LBNRIND: LOW, HIGH or NORMAL against the normal range for ``sex``; None when the test has no range."""
    rng = test.normal_range(sex)
    if rng is None:
        return None
    if rng.low is not None and value < rng.low:
        return "LOW"
    if rng.high is not None and value > rng.high:
        return "HIGH"
    return "NORMAL"


def grade(test: LabTest, value: float, sex: str | None) -> LabGrade | None:
    """The CTCAE grade of ``value`` (None: the test is not graded, or the value is within the normal limit).

    "high" criteria: grade 1 above the ULN, grade n above thresholds[n-2] x ULN; "low" criteria: grade 1 below
    the LLN, grade n below thresholds[n-2] (absolute, in the test's unit). Bounds are strict, as CTCAE words them.
    """
    if test.ctcae is None:
        return None
    crit = criteria()[test.ctcae]
    rng = test.normal_range(sex)
    if rng is None:
        return None
    if crit.direction == "high":
        uln = rng.high
        if uln is None or uln <= 0 or value <= uln:
            return None
        found = 1 + sum(value > t * uln for t in crit.thresholds)
        return LabGrade(found, crit.term, crit.id, f"{value / uln:.1f} x ULN")
    lln = rng.low
    below = [value < t for t in crit.thresholds]
    if (lln is None or value >= lln) and not any(below):
        return None
    return LabGrade(1 + sum(below), crit.term, crit.id, f"{value:g} {test.unit} (LLN {lln:g})" if lln is not None
                    else f"{value:g} {test.unit}")


@dataclass(frozen=True)
class AeProposal:
    """An adverse event a graded lab result proposes to the nurse: what the AE form is prefilled with."""

    result_id: str
    participant_id: str
    test_code: str
    term: str
    grade: int
    onset_date: str
    description: str
    description_zh: str = ""     # the same in Chinese (the query a rule raises shows it on the Chinese pages)


def graded(study: Study, result: Mapping[str, Any], sex: str | None) -> LabGrade | None:
    """The grade of a stored result (a mapping with test_code and value); None for a test the study lacks."""
    test = study.lab_tests.get(str(result.get("test_code")))
    return grade(test, float(result["value"]), sex) if test is not None else None


def _covered(study: Study, result: Mapping[str, Any], term: str, events: Iterable[Mapping[str, Any]]) -> bool:
    """Whether an AE of the participant names the criterion's term with an onset near the sample date."""
    try:
        sampled = date.fromisoformat(str(result["sample_date"]))
    except ValueError:
        return False
    for ae in events:
        data = ae.get("data") or {}
        if ae.get("participant_id") != result["participant_id"]:
            continue
        if data.get("lab_result_id") == result.get("result_id"):
            return True
        if str(data.get("term") or "").strip().casefold() != term.casefold():
            continue
        try:
            onset = date.fromisoformat(str(data.get("onset_date")))
        except ValueError:
            continue
        if abs((onset - sampled).days) <= study.labs.ae_match_days:
            return True
    return False


def uncovered(study: Study, results: Iterable[Mapping[str, Any]], sex_of: Mapping[str, str | None],
              adverse_events: Iterable[Mapping[str, Any]], *, from_grade: int) -> list[AeProposal]:
    """Results graded ``from_grade`` or worse that no AE covers, as AE proposals.

    ``results`` are current lab results (result_id, participant_id, test_code, value, sample_date);
    ``sex_of`` maps participant id to F/M; ``adverse_events`` are AE record bodies (participant_id, data). An AE
    covers a result when it names the result (``data.lab_result_id``) or names the criterion's term with an onset
    within ``labs.ae_match_days`` of the sample date.
    """
    events = list(adverse_events)
    out = []
    for r in results:
        g = graded(study, r, sex_of.get(r["participant_id"]))
        if g is None or g.grade < from_grade or _covered(study, r, g.term, events):
            continue
        test = study.lab_tests[r["test_code"]]
        out.append(AeProposal(result_id=str(r["result_id"]), participant_id=r["participant_id"],
                              test_code=test.code, term=g.term, grade=g.grade, onset_date=str(r["sample_date"]),
                              description=f"{test.name} {float(r['value']):g} {test.unit} on {r['sample_date']}: "
                                          f"CTCAE v{g.version} grade {g.grade} ({g.basis})",
                              description_zh=f"{test.name_zh} {float(r['value']):g} {test.unit}，{r['sample_date']}："
                                             f"CTCAE v{g.version} {g.grade}级（{g.basis}）"))
    return out


def ae_proposals(study: Study, results: Iterable[Mapping[str, Any]], sex_of: Mapping[str, str | None],
                 adverse_events: Iterable[Mapping[str, Any]]) -> list[AeProposal]:
    """What nurse mode proposes: results graded ``labs.propose_ae_from_grade`` or worse with no AE yet."""
    return uncovered(study, results, sex_of, adverse_events, from_grade=study.labs.propose_ae_from_grade)


def severe_labs_without_ae(study: Study, results: Iterable[Mapping[str, Any]], sex_of: Mapping[str, str | None],
                           adverse_events: Iterable[Mapping[str, Any]]) -> list[AeProposal]:
    """Results graded ``labs.open_grade`` (3) or worse that no AE covers: what a data query asks the site about."""
    return uncovered(study, results, sex_of, adverse_events, from_grade=study.labs.open_grade)
