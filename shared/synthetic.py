"""Synthetic, plausible answers for demo data, the simulator and tests. Never real people.

Values drift with the visit so plots show a trend (each arm's ``demo_effect`` in the study file says how
fast), loosely inspired by published results of the first study's treatment; they are not data.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.exposure import scheduled_on
from shared.instruments.model import Instrument, ResponseType
from shared.site_time import site_today
from shared.study.model import Study

DEFAULT_EFFECT = 0.5


def _clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


def _diary_items(study: Study | None, drugs: frozenset[str] | None) -> dict[str, tuple[int, list[int]]]:
    """Diary item -> (the full count over two weeks, the counts to draw from) for each drug of the study."""
    out: dict[str, tuple[int, list[int]]] = {}
    for drug in study.drugs if study else ():
        if drug.diary_item is None:
            continue
        if drug.diary_counts == "days":
            out[drug.diary_item] = (14, [14, 14, 13, 12])
        else:
            per_week = max((t.doses_per_week for a in study.arms for t in a.treatments if t.drug == drug.id),
                           default=2)
            full = int(per_week * 2)
            out[drug.diary_item] = (full, [full, full, full, full - 1])
    return out


def _dose_calendar(study: Study | None, arm_code: str | None, drugs: frozenset[str] | None,
                   dates: list[date], rng: random.Random) -> tuple[dict[str, list[str]], bool]:
    """Each date -> the drugs taken: the arm's schedule (shared.exposure.scheduled_on), a dose missed now and
    then; and whether any scheduled dose was missed."""
    arm = study.arm(arm_code) if study is not None and arm_code else None
    plan = [(t.drug, t.doses_per_week) for t in arm.treatments] if arm else [(d, 7.0) for d in sorted(drugs or ())]
    due = {day.isoformat(): [drug for drug, per_week in plan if scheduled_on(n, per_week)]
           for n, day in enumerate(dates)}
    taken = {day: [drug for drug in drugs_due if rng.random() > 0.05] for day, drugs_due in due.items()}
    return taken, taken != due


def synthetic_answers(instrument: Instrument, *, drugs: frozenset[str] | None, rng: random.Random,
                      visit_index: int = 0, arm_code: str | None = None,
                      study: Study | None = None, dose_dates: list[date] | None = None) -> dict[str, Any]:
    """A complete, valid answer set for ``instrument`` as asked of a participant taking ``drugs``.

    With ``study``, the arm's ``demo_effect`` sets how fast scores improve and the drugs' diary items report
    (nearly) every dose. A dated diary covers ``dose_dates`` (default: today at the study's first site, or the
    UTC day without a study).
    """
    effect = study.arm(arm_code).demo_effect if study is not None and arm_code else DEFAULT_EFFECT
    improvement = effect * visit_index
    diary = _diary_items(study, drugs)
    answers: dict[str, Any] = {}
    all_taken = True
    for item in instrument.items_for(drugs):
        if item.required_if is not None and not item.required:
            continue  # filled below when its condition holds
        rt = item.response
        if rt is ResponseType.VAS_MM:
            answers[item.id] = int(_clamp(rng.gauss(62 - 4 * improvement, 12), 0, 100))
        elif rt is ResponseType.INTEGER:
            if item.id in diary:
                answers[item.id] = rng.choice(diary[item.id][1])
            else:
                answers[item.id] = int(_clamp(round(rng.gauss(6 - 0.4 * improvement, 1.5)), 0, 10))
        elif rt is ResponseType.NUMBER:
            answers[item.id] = round(_clamp(rng.gauss(5.5 - 0.4 * improvement, 1.2), 0, 10), 1)
        elif rt is ResponseType.CHOICE:
            codes = item.choice_codes()
            weights = [max(0.05, 1.0 - 0.6 * i) for i in range(len(codes))]
            answers[item.id] = rng.choices(codes, weights=weights)[0]
        elif rt is ResponseType.BOOLEAN:
            answers[item.id] = rng.random() < 0.15
        elif rt is ResponseType.TEXT:
            answers[item.id] = "synthetic"
        elif rt is ResponseType.DOSE_CALENDAR:
            days = dose_dates or [site_today(study) if study is not None else datetime.now(UTC).date()]
            answers[item.id], missed = _dose_calendar(study, arm_code, drugs, days, rng)
            all_taken = all_taken and not missed
        elif rt is ResponseType.DRUG_DOSES:   # issue 24: one day of the home dosing diary
            answers[item.id] = {
                d: ({"taken": True, "time_taken": f"{rng.randint(6, 21):02d}:{rng.randint(0, 59):02d}"}
                    if rng.random() > 0.1 else {"taken": False, "missed_reason": item.choice_codes()[0]})
                for d in sorted(drugs or ())}
    for item in instrument.items_for(drugs):
        cond = item.required_if
        if cond is not None and not item.required and answers.get(cond.item_id) in cond.values:
            answers[item.id] = item.choice_codes()[0]
    if all_taken:   # a dated diary with every dose taken leaves its optional questions (why missed) empty
        for item in instrument.items_for(drugs):
            if any(i.response is ResponseType.DOSE_CALENDAR for i in instrument.items) and not item.required:
                answers.pop(item.id, None)
    reported = [i for i in diary if i in answers]
    if reported:
        _missed_doses(instrument, answers, all(answers[i] == diary[i][0] for i in reported), rng)
    return answers


def _missed_doses(instrument: Instrument, answers: dict[str, Any], full: bool, rng: random.Random) -> None:
    """A diary's yes/no question (a dose missed?) agrees with the counts; its follow-up only when missed."""
    flag = next((it for it in instrument.items if it.response is ResponseType.BOOLEAN), None)
    if flag is None:
        return
    answers[flag.id] = not full
    for it in instrument.items:
        if it.required_if is not None and it.required_if.item_id == flag.id:
            if full:
                answers.pop(it.id, None)
            else:
                answers[it.id] = rng.choice(list(it.choice_codes()[:3]) or [None])


def synthetic_eligibility_score(study: Study, rng: random.Random) -> int | None:
    """A score that passes the study's "score" criterion with a little room (None when it has none)."""
    criterion = study.score_criterion()
    if criterion is None:
        return None
    low = int(criterion.minimum or 0) + 1
    top = int(study.instrument(str(criterion.instrument)).score_maximum() or low)
    return rng.randint(low, min(top, low + 13))


def synthetic_enrolment(study: Study, *, rng: random.Random, arm: str, allocation_number: int,
                        allocation_list_id: str, screening_date: date) -> dict[str, Any]:
    """Data of an eligible participant's enrolment record."""
    criterion = study.score_criterion()
    attested = {c.id: True for c in study.inclusion if c.check == "attest"}
    attested.update({c.id: False for c in study.exclusion})
    return {
        "year_of_birth": screening_date.year - rng.randint(25, 65),
        "sex": rng.choice(["F", "F", "F", "M"]),
        "screening_date": screening_date.isoformat(),
        "consent_date": (screening_date - timedelta(days=rng.randint(0, 3))).isoformat(),
        "criteria": attested,
        **({str(criterion.field): synthetic_eligibility_score(study, rng)} if criterion else {}),
        "arm": arm,
        "allocation_number": allocation_number,
        "allocation_list_id": allocation_list_id,
    }


def synthetic_adverse_event(study: Study, *, rng: random.Random, onset: date, serious: bool = False,
                            drugs: frozenset[str] | None = None) -> dict[str, Any]:
    """An adverse-event report consistent with the seriousness, grade and arm rules: causality and action for
    each drug of ``drugs`` (the participant's arm; every study drug when None), none for the other drugs; a
    serious one carries the site's awareness (09:00 at the first site, the day after onset)."""
    given = set(study.drug_ids) if drugs is None else drugs
    term = rng.choice(["Injection site reaction", "Fever", "Oral ulcer", "Rash", "Upper respiratory infection"])
    grade = 3 if serious else rng.choice([1, 1, 2])
    causality = {d: rng.choice(["possible", "probable", "unlikely"]) for d in study.drug_ids if d in given}
    data = {
        "term": term, "onset_date": onset.isoformat(),
        "end_date": (onset + timedelta(days=rng.randint(2, 10))).isoformat(),
        "grade": grade, "serious": serious, "serious_criteria": ["hospitalisation"] if serious else [],
        "causality": causality,
        "action": {d: "none" for d in study.drug_ids if d in given},
        "outcome": "recovered", "source_symptom": None, "visit_id": None,
    }
    if serious:
        zone = ZoneInfo(study.sites[0].timezone)
        data["awareness_at"] = datetime.combine(onset + timedelta(days=1), time(9, 0), zone).isoformat()
    return data
