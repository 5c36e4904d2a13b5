"""Synthetic screenings and eligibility-visit scores for the demo, the simulator and tests. Never real people."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from shared.eligibility import age_on, assess_screening, birth_year_month, screening_outcome
from shared.instruments.model import Instrument, ResponseType
from shared.study.model import Study


def answers_scoring(instrument: Instrument, at_least: float, rng: random.Random) -> dict[str, Any]:
    """A complete answer set of a clinician-rated index whose declared score is at least ``at_least`` (as
    close above it as the items allow): every item at its lowest answer, then random items raised a step."""
    answers: dict[str, Any] = {}
    for item in instrument.items:
        if item.response is ResponseType.CHOICE:
            answers[item.id] = item.choice_codes()[0]
        elif item.response in (ResponseType.INTEGER, ResponseType.NUMBER, ResponseType.VAS_MM):
            answers[item.id] = item.minimum or 0
    score = instrument.declared_score()
    order = [i for i in instrument.items if i.response is ResponseType.CHOICE]
    rng.shuffle(order)
    while (score.compute(answers) or 0) < at_least and order:
        item = order.pop()
        codes = item.choice_codes()
        for code in codes[1:]:
            answers[item.id] = code
            if (score.compute(answers) or 0) >= at_least:
                break
    return answers


def attested(study: Study, unmet: tuple[str, ...] = ()) -> dict[str, bool]:
    """Every attested criterion answered so it passes, except ``unmet`` (inclusion not met, exclusion present)."""
    out = {c.id: c.id not in unmet for c in study.inclusion if c.check == "attest"}
    out.update({c.id: c.id in unmet for c in study.exclusion if c.check == "attest"})
    return out


def failable_criteria(study: Study) -> list[str]:
    """The criteria a synthetic screen failure may fail: every attested one, and the age."""
    return [c.id for c in study.inclusion + study.exclusion if c.check in ("attest", "age")]


def date_of_birth(study: Study, rng: random.Random, consent: date, *, eligible_age: bool = True) -> date:
    """A date of birth giving an age at ``consent`` inside the study's range (or just outside it)."""
    info = study.study
    age = rng.randint(info.min_age + 2, info.max_age - 2) if eligible_age else info.max_age + rng.randint(1, 5)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return date(consent.year - age - ((month, day) > (consent.month, consent.day)), month, day)


def screening_data(study: Study, *, born: date, sex: str, consent: date, screening: date,
                   criteria: Mapping[str, bool], screening_score: float | None) -> dict[str, Any]:
    """The data of a screening record, with the outcome and failed criteria ``shared.eligibility`` computes."""
    age = age_on(born, consent)
    failures = assess_screening(study, age_at_consent=age, screening_date=screening, consent_date=consent,
                                score=screening_score, attested=criteria)
    return {"consent_date": consent.isoformat(), "screening_date": screening.isoformat(), "sex": sex,
            "birth_year_month": birth_year_month(born), "age_at_consent": age, "criteria": dict(criteria),
            "screening_score": screening_score, "outcome": screening_outcome(failures),
            "failed_criteria": [f.criterion_id for f in failures],
            "childbearing_potential": synthetic_childbearing_potential(sex, age)}


def synthetic_childbearing_potential(sex: str, age: int) -> bool:
    """The synthetic data's rule of thumb (issue 18): a woman under 50 is of childbearing potential."""
    return sex == "F" and age < 50


def randomised_start(study: Study, rng: random.Random, *, arm: str, number: int, list_id: str, screened_on: date,
                     record: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    """The first records of a synthetic randomised participant, in the order a kiosk sends them: an eligible
    screening (not of childbearing potential, so no pregnancy test is due), the scored clinician index of the
    eligibility visit, and the randomisation to ``arm`` at ``number`` of ``list_id``. ``record(kind, data,
    **envelope)`` makes one envelope (the caller's participant, device and times)."""
    consent = screened_on - timedelta(days=1)
    criterion = study.score_criterion()
    data = screening_data(study, born=date_of_birth(study, rng, consent), sex=rng.choice("FFFM"), consent=consent,
                          screening=screened_on, criteria=attested(study),
                          screening_score=(criterion.minimum or 0) + rng.randint(1, 8) if criterion else None)
    data["childbearing_potential"] = False
    out = [record("screening", data)]
    inst, visit = study.instrument_with_role("clinician_index"), study.visit_with_role("eligibility")
    rand = study.visit_with_role("randomisation")
    if inst is None or visit is None:
        return out
    answers = answers_scoring(inst, (criterion.minimum or 0) + rng.randint(1, 6) if criterion else 0, rng)
    scored = record("instrument_response", answers, visit_id=visit.id, instrument_id=inst.id,
                    instrument_version=inst.version)
    out += [scored, record("randomisation", {
        "arm": arm, "randomisation_number": number, "allocation_list_id": list_id,
        "eligibility_score": inst.declared_score().compute(answers), "eligibility_record_id": scored["record_id"]},
        visit_id=rand.id if rand else None)]
    return out
