"""Demo content of the clinical record (issue 18): medications, medical history, vital signs and pregnancy
tests of each synthetic participant, so a newcomer sees every domain filled in the pages and exports.

Deterministic: every value comes from the ``rng`` the caller gives (its own stream, so adding these entries
leaves the rest of the demo as it was). Medication classes are the study file's; one participant took a
medicine of the excluding classes long enough before screening to show the look-back at work.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from shared.pregnancy import pregnancy_test_visits
from shared.study.model import Study
from shared.synthetic_screening import synthetic_childbearing_potential
from shared.vital_signs import vital_signs_visits

Make = Callable[..., None]   # demo.py's make(kind, pid, data, day, hour, actor, **envelope)
NURSE = "staff:demo.nurse"

# (name, ATC class, dose, unit, route, frequency, indication): used only where the study file lists the class
_MEDICINES = (
    ("Hydroxychloroquine", "P01BA", 200, "mg", "ORAL", "BID", "Sjogren's syndrome"),
    ("Prednisone", "H02AB", 5, "mg", "ORAL", "QD", "Sjogren's syndrome"),
    ("Pilocarpine", "N07AX", 5, "mg", "ORAL", "TID", "Dry mouth"),
    ("Artificial tears", "S01XA", 1, "DROP", "OPHTHALMIC", "QID", "Dry eyes"),
    ("Calcium carbonate", "A12AA", 600, "mg", "ORAL", "QD", "Bone protection"),
    ("Omeprazole", "A02BC", 20, "mg", "ORAL", "QD", "Gastric protection"),
    ("Amlodipine", "C08CA", 5, "mg", "ORAL", "QD", "Hypertension"),
    ("Levothyroxine", "H03AA", 50, "ug", "ORAL", "QD", "Hypothyroidism"),
    ("Paracetamol", "N02BE", 500, "mg", "ORAL", "PRN", "Joint pain"),
)
_PAST_BIOLOGIC = ("Rituximab", "L01FA", 1000, "mg", "INTRAVENOUS", "ONCE", "Sjogren's syndrome")
_CONDITIONS = (("Primary Sjogren's syndrome", True), ("Hypertension", True), ("Hypothyroidism", True),
               ("Appendicitis", False), ("Fracture of left wrist", False), ("Gastritis", True))


def _conmed(row: tuple[Any, ...], start: str, end: str | None) -> dict[str, Any]:
    name, atc, dose, unit, route, frequency, indication = row
    return {"name": name, "atc_class": atc, "dose": dose, "dose_unit": unit, "route": route,
            "frequency": frequency, "start_date": start, "end_date": end, "ongoing": end is None,
            "indication": indication}


def add_entries(study: Study, make: Make, pid: str, enrolment: Mapping[str, Any], baseline: date, today: date,
                rng: random.Random, *, index: int, until: date | None = None, after: date | None = None) -> None:
    """Queue (through ``make``) one demo participant's clinical record: entered at screening (medications,
    history), and at each visit the study file names for vital signs and pregnancy tests that is reached by
    ``today``. ``enrolment`` is the participant's enrolment or screening data (screening date, sex, age or year of
    birth, childbearing potential when recorded).

    ``until`` / ``after`` keep only the entries dated up to / after that day, so a demo that randomises in the
    middle can queue what comes before the randomisation first (the pregnancy test it needs) and the rest after
    it; called with the same ``rng`` seed, both halves together are exactly the whole."""
    for kind, data, day, hour, envelope in _entries(study, enrolment, baseline, today, rng, index):
        if (until is None or day <= until) and (after is None or day > after):
            make(kind, pid, data, day, hour, NURSE, **envelope)


Entry = tuple[str, dict[str, Any], date, int, dict[str, Any]]


def _entries(study: Study, enrolment: Mapping[str, Any], baseline: date, today: date, rng: random.Random,
             index: int) -> list[Entry]:
    if study.clinical_record is None:
        return []
    out: list[Entry] = []
    screening = date.fromisoformat(enrolment["screening_date"])
    listed = {c.code for c in study.clinical_record.atc_classes}
    medicines = [m for m in _MEDICINES if m[1] in listed]
    for row in rng.sample(medicines, k=min(len(medicines), rng.randint(1, 3))):
        start = f"{screening.year - rng.randint(1, 6)}-{rng.randint(1, 12):02d}"
        out.append(("concomitant_medication", _conmed(row, start, None), screening, 3, {}))
    if index == 1 and _PAST_BIOLOGIC[1] in listed:   # stopped long before the look-back: not excluding
        stop = screening - timedelta(days=400)
        out.append(("concomitant_medication", _conmed(_PAST_BIOLOGIC, (stop - timedelta(days=14)).isoformat(),
                                                      stop.isoformat()), screening, 3, {}))
    for condition, ongoing in [_CONDITIONS[0], *rng.sample(_CONDITIONS[1:], k=rng.randint(0, 2))]:
        start = str(screening.year - rng.randint(1, 15))
        out.append(("medical_history", {"condition": condition, "start_date": start, "ongoing": ongoing},
                    screening, 3, {}))
    weight = round(rng.uniform(48, 78), 1)
    for visit_id in vital_signs_visits(study):
        day = _visit_day(study, visit_id, screening, baseline)
        if day is None or day > today:
            continue
        systolic = rng.randint(105, 142)
        out.append(("vital_signs", {"systolic_bp": systolic, "diastolic_bp": systolic - rng.randint(35, 50),
                                    "heart_rate": rng.randint(60, 92),
                                    "temperature": round(rng.uniform(36.2, 37.1), 1),
                                    "weight": round(weight + rng.uniform(-1.0, 1.0), 1)},
                    day, 1, {"visit_id": visit_id}))
    if not _childbearing(enrolment, screening):
        return out
    for visit_id in pregnancy_test_visits(study):
        day = _visit_day(study, visit_id, screening, baseline)
        if day is None or day > today:
            continue
        out.append(("pregnancy_test", {"test_date": day.isoformat(), "method": "serum" if day == screening
                                       else "urine", "result": "negative"}, day, 1, {"visit_id": visit_id}))
    return out


def _childbearing(screened: Mapping[str, Any], screening: date) -> bool:
    """Childbearing potential as the screening recorded it, else the synthetic rule of thumb."""
    if isinstance(screened.get("childbearing_potential"), bool):
        return bool(screened["childbearing_potential"])
    age = screened.get("age_at_consent")
    if age is None and screened.get("year_of_birth") is not None:
        age = screening.year - int(screened["year_of_birth"])
    return synthetic_childbearing_potential(str(screened.get("sex")), int(age or 0))


def _visit_day(study: Study, visit_id: str, screening: date, baseline: date) -> date | None:
    """The demo date of a visit: the screening date for the screening visit, baseline + its day otherwise,
    None for a visit without a planned day (unscheduled)."""
    visit = study.visit(visit_id)
    if "screening" in visit.roles:
        return screening
    return None if visit.day is None else baseline + timedelta(days=visit.day)
