"""Eligibility: the study file's checklist, assessed the same way on kiosk and server, at two moments.

1. **Screening** (``assess_screening``): every criterion from what staff enter after consent. The outcome is
   ``eligible``, ``screen_failure`` (a criterion is definitely not met) or ``pending`` (only answers are
   missing); a screening record is saved whatever the outcome.
2. **Randomisation** (``assess_randomisation``): at the visit the study file names for eligibility, every
   criterion again, the score criterion now from the *scored* instrument of that visit (the study's
   ``clinician_index`` instrument), plus every extra check of ``shared/eligibility_checks.py``. An allocation is
   revealed only when nothing fails, never before.

Age counts from the full date of birth typed at screening; only the age at consent and the birth year-month
are kept (``age_on``, ``birth_year_month``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.criteria import Failure
from shared.eligibility_checks import RANDOMISATION_CHECKS
from shared.errors import UnknownInstrument
from shared.instruments import get_instrument
from shared.study.clinical_record import COMPUTED_CHECKS
from shared.study.model import Criterion, Study

__all__ = ["ELIGIBLE", "OUTCOMES", "PENDING", "PENDING_CODES", "SCREEN_FAILURE", "EligibilityScores", "Failure",
           "age_in_year", "age_on", "assess_eligibility", "assess_randomisation", "assess_screening",
           "birth_year_month", "current_records", "eligibility_scores", "possible_ages", "screening_failures",
           "screening_of", "screening_outcome"]

SEXES = ("F", "M", "U")
ELIGIBLE, SCREEN_FAILURE, PENDING = "eligible", "screen_failure", "pending"
OUTCOMES = (ELIGIBLE, SCREEN_FAILURE, PENDING)
PENDING_CODES = frozenset({"eligibility.not_answered", "eligibility.score_missing"})  # missing, not failed


def age_in_year(year_of_birth: int, on: date) -> int:
    """Age reached during the year of ``on`` (legacy enrolment records kept only the year of birth)."""
    return on.year - year_of_birth


def age_on(born: date, on: date) -> int:
    """Age in whole years on ``on`` of someone born on ``born`` (a 29 February birthday counts on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def birth_year_month(born: date) -> str:
    """The part of the date of birth that is kept: ``YYYY-MM``."""
    return f"{born.year:04d}-{born.month:02d}"


def possible_ages(year_month: str, on: date) -> tuple[int, int]:
    """(youngest, oldest) age on ``on`` of someone born in ``year_month`` (``YYYY-MM``): what an age at
    consent stored beside the birth year-month may be."""
    year, month = int(year_month[:4]), int(year_month[5:7])
    oldest = on.year - year - ((on.month, on.day) < (month, 1))
    youngest = on.year - year - ((on.month, on.day) < (month, 31))  # born on the month's last day
    return youngest, oldest


def _failures(study: Study, *, age: int | None, screening_date: date | None, consent_date: date | None,
              score: float | None, attested: Mapping[str, bool], score_visit: str) -> list[Failure]:
    failures: list[Failure] = []
    for crit in study.inclusion:
        failure = _inclusion_failure(study, crit, age=age, screening_date=screening_date,
                                     consent_date=consent_date, score=score, attested=attested,
                                     score_visit=score_visit)
        if failure:
            code, reason, params = failure
            failures.append(Failure(crit.id, crit.text, reason, code, params))
    for crit in (c for c in study.exclusion if c.check == "attest"):   # computed ones: eligibility_checks
        answer = attested.get(crit.id)
        if answer is None:
            failures.append(Failure(crit.id, crit.text, "not answered", "eligibility.not_answered"))
        elif answer is not False:
            failures.append(Failure(crit.id, crit.text, "present (excludes the participant)",
                                    "eligibility.present"))
    return failures


def assess_screening(study: Study, *, age_at_consent: int | None, screening_date: date | None,
                     consent_date: date | None, score: float | None,
                     attested: Mapping[str, bool]) -> list[Failure]:
    """Every failed criterion at screening (empty list = eligible so far).

    ``score`` is the screening value of the study's "score" criterion (None: not known yet, so pending).
    ``attested`` maps the "attest" criteria ids to the staff's answer: for an inclusion criterion True means
    met; for an exclusion criterion True means present. A criterion not answered fails as "not answered"
    (pending), never assumed.
    """
    visit = study.visit_with_role("screening")
    return _failures(study, age=age_at_consent, screening_date=screening_date, consent_date=consent_date,
                     score=score, attested=attested, score_visit=visit.id if visit else "")


def screening_failures(study: Study, data: Mapping[str, Any]) -> list[Failure]:
    """The failed criteria of a stored screening record's data (its codes say which are only pending)."""
    return assess_screening(study, age_at_consent=data.get("age_at_consent"),
                            screening_date=_day(data.get("screening_date")),
                            consent_date=_day(data.get("consent_date")), score=data.get("screening_score"),
                            attested=data.get("criteria") or {})


def assess_eligibility(study: Study, *, year_of_birth: int | None, screening_date: date | None,
                       consent_date: date | None, score: float | None,
                       attested: Mapping[str, bool]) -> list[Failure]:
    """Every failed criterion of a legacy ``enrolment`` record (age from the year of birth only)."""
    age = age_in_year(year_of_birth, screening_date) if year_of_birth is not None and screening_date else None
    return _failures(study, age=age, screening_date=screening_date, consent_date=consent_date, score=score,
                     attested=attested, score_visit="")


def screening_outcome(failures: Iterable[Failure]) -> str:
    """``eligible`` (nothing failed), ``pending`` (only answers missing) or ``screen_failure``."""
    codes = {f.code for f in failures}
    if not codes:
        return ELIGIBLE
    return PENDING if codes <= PENDING_CODES else SCREEN_FAILURE


def _inclusion_failure(study: Study, crit: Criterion, *, age: int | None, screening_date: date | None,
                       consent_date: date | None, score: float | None, attested: Mapping[str, bool],
                       score_visit: str) -> tuple[str, str, dict[str, Any]] | None:
    """(code, English reason, params) when the inclusion criterion ``crit`` is not met, else None."""
    info = study.study
    if crit.check in COMPUTED_CHECKS:      # from the clinical record, at randomisation (eligibility_checks)
        return None
    if crit.check == "age":
        if age is None:
            return "eligibility.age_unknown", "date of birth or screening date missing", {}
        if not info.min_age <= age <= info.max_age:
            return ("eligibility.age_outside", f"age {age} is outside {info.min_age}-{info.max_age}",
                    {"age": age, "min": info.min_age, "max": info.max_age})
        return None
    if crit.check == "score":
        short = study.instrument(str(crit.instrument)).short.en
        if score is None:
            visit_id = score_visit or _eligibility_visit_id(study)
            return ("eligibility.score_missing", f"no {visit_id + ' ' if visit_id else ''}{short} recorded",
                    {"visit": visit_id, "instrument": short})
        if crit.minimum is not None and score < crit.minimum:
            return ("eligibility.score_below", f"{short} {score:g} is below {crit.minimum:g}",
                    {"instrument": short, "score": score, "minimum": crit.minimum})
        return None
    if crit.check == "consent":
        if consent_date is None:
            return "eligibility.consent_missing", "no consent date", {}
        if screening_date is not None and consent_date > screening_date:
            return "eligibility.consent_after_screening", "consent date is after the screening date", {}
        return None
    answer = attested.get(crit.id)
    if answer is None:
        return "eligibility.not_answered", "not answered", {}
    if answer is not True:
        return "eligibility.not_met", "not met", {}
    return None


def _eligibility_visit_id(study: Study) -> str:
    visit = study.visit_with_role("eligibility")
    return visit.id if visit else ""


# ---- the participant's records ------------------------------------------------------------------------------
def current_records(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The newest revision of each record id, in first-seen order."""
    newest: dict[str, Mapping[str, Any]] = {}
    for rec in records:
        held = newest.get(rec["record_id"])
        if held is None or int(rec["revision"]) > int(held["revision"]):
            newest[rec["record_id"]] = rec
    return list(newest.values())


def screening_of(records: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The newest revision of the participant's screening record, or None."""
    found = [r for r in current_records(records) if r.get("kind") == "screening"]
    return found[-1] if found else None


@dataclass(frozen=True)
class EligibilityScores:
    """The score the eligibility criterion checks, at screening and at the eligibility visit (None: not
    recorded). ``screening`` is the scored instrument of the screening visit when recorded, else the value
    typed on the screening record; ``baseline`` is always the scored instrument of the eligibility visit."""

    screening: float | None
    baseline: float | None
    baseline_record_id: str | None = None


def _score_of(rec: Mapping[str, Any]) -> float | None:
    try:
        inst = get_instrument(str(rec.get("instrument_id")), rec.get("instrument_version"))
        data = rec.get("data")
        value = inst.declared_score().compute(data) if isinstance(data, Mapping) else None
    except (KeyError, UnknownInstrument, TypeError, ValueError):
        return None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _scored_at(study: Study, records: Sequence[Mapping[str, Any]],
               role: str) -> tuple[float | None, str | None]:
    visit, inst = study.visit_with_role(role), study.instrument_with_role("clinician_index")
    if visit is None or inst is None:
        return None, None
    found = [r for r in records if r.get("kind") == "instrument_response" and r.get("visit_id") == visit.id
             and r.get("instrument_id") == inst.id]
    if not found:
        return None, None
    rec = max(found, key=lambda r: str(r.get("collected_at")))
    return _score_of(rec), str(rec["record_id"])


def eligibility_scores(study: Study, records: Iterable[Mapping[str, Any]]) -> EligibilityScores:
    """The screening and eligibility-visit scores of one participant (for the randomisation and for the
    "screening vs baseline" discrepancy query)."""
    current = current_records(records)
    screening, _ = _scored_at(study, current, "screening")
    if screening is None:
        rec = screening_of(current)
        typed = rec["data"].get("screening_score") if rec and isinstance(rec.get("data"), Mapping) else None
        screening = typed if isinstance(typed, int | float) and not isinstance(typed, bool) else None
    baseline, record_id = _scored_at(study, current, "eligibility")
    return EligibilityScores(screening, baseline, record_id)


def assess_randomisation(study: Study, records: Iterable[Mapping[str, Any]], on: date) -> list[Failure]:
    """Every reason the participant may not be randomised on ``on`` (empty list: eligibility confirmed).

    From the participant's records: the screening record's criteria (age at consent, consent, attested
    answers), the score criterion from the scored instrument of the eligibility visit, and every extra check
    of ``RANDOMISATION_CHECKS``. A participant with no screening record fails ``screening``.
    """
    current = current_records(records)
    rec = screening_of(current)
    if rec is None:
        return [Failure("screening", "Screened after consent", "no screening record",
                        "randomisation.not_screened", {})]
    data = rec["data"]
    scores = eligibility_scores(study, current)
    failures = _failures(study, age=data.get("age_at_consent"), screening_date=_day(data.get("screening_date")),
                         consent_date=_day(data.get("consent_date")), score=scores.baseline,
                         attested=data.get("criteria") or {}, score_visit=_eligibility_visit_id(study))
    for check in RANDOMISATION_CHECKS:
        failures += check(study, current, on)
    return failures


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
