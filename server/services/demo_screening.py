"""The demo's screening log (issue 15): each demo participant is screened, scored at the eligibility visit and
randomised from the demo kiosk's own blocks; a few more people are screened and fail. Deterministic."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from server.services.allocation import grants_for
from server.services.screening import numbers_for
from shared.study.model import Study
from shared.synthetic_screening import (
    answers_scoring,
    attested,
    date_of_birth,
    failable_criteria,
    screening_data,
)

DEMO_SCREEN_FAILURES = 3
Make = Callable[..., dict[str, Any]]


def next_participant_id(conn: Connection, site_id: str, device_id: str, taken: set[str]) -> str:
    """The next participant id from the screening numbers granted to the demo kiosk."""
    number = next(n for n in numbers_for(conn, site_id, device_id) if f"{site_id}-{n:03d}" not in taken)
    return f"{site_id}-{number:03d}"


def screen(make: Make, study: Study, rng: random.Random, pid: str, screened_on: date,
           unmet: tuple[str, ...] = (), too_old: bool = False) -> dict[str, Any]:
    """The screening record of one demo person (eligible unless ``unmet`` or ``too_old``)."""
    consent = screened_on - timedelta(days=rng.randint(0, 3))
    criterion = study.score_criterion()
    score = int(criterion.minimum or 0) + rng.randint(1, 8) if criterion else None
    data = screening_data(study, born=date_of_birth(study, rng, consent, eligible_age=not too_old),
                          sex=rng.choice("FFFM"), consent=consent, screening=screened_on,
                          criteria=attested(study, unmet), screening_score=score)
    return make("screening", pid, data, screened_on, 1, "staff:demo.nurse")


def randomise(conn: Connection, make: Make, study: Study, rng: random.Random, *, pid: str, site_id: str,
              device_id: str, baseline: date) -> tuple[str, str]:
    """The scored eligibility-visit index and the randomisation of one demo participant: (arm, visit id of
    that score, whose other instruments the caller records)."""
    inst, visit = study.instrument_with_role("clinician_index"), study.visit_with_role("eligibility")
    assert inst is not None and visit is not None
    criterion = study.score_criterion()
    scored = make("instrument_response", pid, answers_scoring(inst, (criterion.minimum or 0) + rng.randint(1, 6)
                                                              if criterion else 0, rng),
                  baseline, 1, "staff:demo.investigator", visit_id=visit.id, instrument_id=inst.id,
                  instrument_version=inst.version)
    grants = grants_for(conn, study, site_id=site_id, device_id=device_id)
    slot, list_id = next((e, s["body"]["list_id"]) for s in grants["lists"] for e in s["body"]["entries"]
                         if e["number"] not in grants["used_numbers"])
    score = inst.declared_score().compute(scored["data"])
    rand_visit = study.visit_with_role("randomisation")
    make("randomisation", pid, {"arm": slot["arm"], "randomisation_number": slot["number"],
                                "allocation_list_id": list_id, "eligibility_score": score or 0,
                                "eligibility_record_id": scored["record_id"]},
         baseline, 1, "staff:demo.nurse", visit_id=rand_visit.id if rand_visit else None)
    return slot["arm"], visit.id


def screen_failures(conn: Connection, make: Make, study: Study, rng: random.Random, *, site_id: str,
                    device_id: str, taken: set[str], today: date) -> int:
    """``DEMO_SCREEN_FAILURES`` people screened who fail (a criterion each, one of them too old)."""
    failable = [c for c in failable_criteria(study) if not any(i.id == c and i.check == "age"
                                                              for i in study.inclusion)]
    for n in range(DEMO_SCREEN_FAILURES):
        pid = next_participant_id(conn, site_id, device_id, taken)
        taken.add(pid)
        if n == 0:
            screen(make, study, rng, pid, today - timedelta(days=30), too_old=True)
        else:
            screen(make, study, rng, pid, today - timedelta(days=30 - 5 * n), unmet=(rng.choice(failable),))
    return DEMO_SCREEN_FAILURES
