"""Demo lab results: every panel of the study file at the visits each participant has reached, one unscheduled
repeat, one correction, and abnormal values CTCAE grades (one grade 2 and one grade 3), so a newcomer sees the
grading, the AE proposal and the open-query list at work. Synthetic, deterministic (own random stream)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection

from server.services.lab_import import store_results
from server.storage.labs import current_by_key
from shared.lab import LabRow, synthetic_treg_pct
from shared.study.lab_panel import LabTest
from shared.study.model import Study


@dataclass(frozen=True)
class DemoPerson:
    """What the demo lab data need of a demo participant."""

    participant_id: str
    arm: str
    baseline: date
    sex: str
    screening: date | None = None   # the screening (consent) day: no draw before it, whatever the planned day
    last_day: date | None = None    # completed or discontinued on this day: no draw after it


def _normal(rng: random.Random, test: LabTest, sex: str) -> float:
    """A value inside the test's normal range (or below 90 % of an upper-only limit), rounded to its decimals."""
    rng_ = test.normal_range(sex)
    low = rng_.low if rng_ and rng_.low is not None else 0.0
    high = rng_.high if rng_ and rng_.high is not None else max(low * 2, 1.0)
    if rng_ is not None and rng_.low is None:
        high *= 0.9
    return round(rng.uniform(low + (high - low) * 0.1, high - (high - low) * 0.1), test.decimals)


def _abnormal(study: Study, person: DemoPerson, code: str, times_limit: float) -> float | None:
    """A value ``times_limit`` x the ULN ("high" criteria) or x the LLN ("low"), or None if the study lacks it."""
    test = study.lab_tests.get(code)
    rng_ = test.normal_range(person.sex) if test else None
    if test is None or rng_ is None:
        return None
    limit = rng_.high if times_limit > 1 else rng_.low
    return round((limit or 0.0) * times_limit, test.decimals)


def seed_demo_labs(conn: Connection, study: Study, people: list[DemoPerson], *, site: str, today: date,
                   seed: int) -> None:
    """Store the demo lab file (``demo-lab.csv``) and a corrected result (``demo-lab-correction.csv``)."""
    rng = random.Random(seed)
    rows: list[LabRow] = []

    def add(person: DemoPerson, visit_id: str, day: date, test: LabTest, value: float) -> None:
        rows.append(LabRow(row=len(rows) + 2, participant_id=person.participant_id, visit_id=visit_id,
                           sample_date=day.isoformat(), value=value, unit=test.unit, test_code=test.code))

    for n, person in enumerate(people):
        arm = study.arm(person.arm)
        for panel in study.labs.panels:
            for visit_id in panel.visits:
                visit = study.visit(visit_id)
                day = person.baseline + timedelta(days=visit.day or 0)
                if person.screening is not None and day < person.screening:
                    day = person.screening      # no study procedure before consent (ICH E6 4.8.8)
                if day > today or (person.last_day is not None and day > person.last_day):
                    continue
                for test in panel.tests:
                    value = synthetic_treg_pct(rng, arm_gain=arm.demo_lab_gain, weeks=(visit.day or 0) // 7) \
                        if test.primary else _normal(rng, test, person.sex)
                    if (visit.day or 0) > 0 and n == 1 and test.ctcae and test.ctcae.startswith("alt"):
                        value = _abnormal(study, person, test.code, 3.4) or value      # CTCAE grade 2
                    if (visit.day or 0) > 0 and n == 4 and test.ctcae and test.ctcae.startswith("neutrophil"):
                        value = round(0.8, test.decimals)                            # CTCAE grade 3
                    add(person, visit_id, day, test, min(value, test.maximum))
    unscheduled = next((v.id for v in study.visits if not v.scheduled), None)
    graded = [t for t in study.lab_tests.values() if t.ctcae]
    if unscheduled and len(people) > 1 and graded:
        person, test = people[1], graded[0]
        day = min(today, person.baseline + timedelta(days=31))
        add(person, unscheduled, day, test, _normal(rng, test, person.sex))  # a repeat draw, back to normal
    sites = {p.participant_id: site for p in people}
    store_results(conn, rows, sites, {}, source_file="demo-lab.csv", actor="system")
    if rows:
        first = rows[0]
        fix = LabRow(row=2, participant_id=first.participant_id, visit_id=first.visit_id,
                     sample_date=first.sample_date, value=round(first.value + 0.1, 2), unit=first.unit,
                     test_code=first.test_code, reason="Transcription error: value re-read from the lab report")
        store_results(conn, [fix], sites, current_by_key(conn, [fix.key]), source_file="demo-lab-correction.csv",
                      actor="system")
