"""Exposure read side: each participant's first-dose date (and, with it, what the dosing diaries say).

The rules are pure, in ``shared/exposure.py``; this module only reads the current dosing diaries and the
baseline forms through ``server.storage.records`` and hands them over. Used by treatment emergence of adverse
events, the exports, the report and the pages, so every surface agrees on when treatment began.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from server.storage import participants as participant_store
from server.storage import records as record_store
from shared.compliance import Compliance, compliance
from shared.exposure import baseline_date, first_dose_date, is_dosing_record, taken_by_date
from shared.study.model import Study


def _dosing_ids(study: Study) -> tuple[str, ...]:
    """The instruments that tell doses taken: the clinic dosing diary and the daily home dosing diary (issue 24:
    a home entry wins over the clinic diary for its date, ``shared.exposure.taken_by_date``)."""
    return tuple(i.id for role in ("dosing", "home_dosing") if (i := study.instrument_with_role(role)) is not None)


def _baseline_visit_id(study: Study) -> str | None:
    baseline = study.visit_with_role("baseline")
    return baseline.id if baseline else None


def diaries_and_baselines(conn: Connection, study: Study, *, participant_ids: list[str] | None = None,
                          site_id: str | None = None) -> dict[str, tuple[list[dict[str, Any]], date | None]]:
    """Per participant with any diary or baseline form: (current dosing-diary records, site-local baseline date).

    The baseline date is the earliest site-local day of a current form at the study's baseline visit.
    """
    baseline = _baseline_visit_id(study)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in record_store.current_of_participants(conn, instrument_id=_dosing_ids(study),
                                                    visit_id=baseline, participant_ids=participant_ids,
                                                    site_id=site_id):
        found[rec["participant_id"]].append(rec)
    return {pid: ([r for r in recs if is_dosing_record(r, study)],
                  baseline_date(recs, study)) for pid, recs in sorted(found.items())}


def first_dose_dates(conn: Connection, study: Study, *, participant_ids: list[str] | None = None,
                     site_id: str | None = None) -> dict[str, date | None]:
    """Each participant's first-dose date (``shared.exposure.first_dose_date``), by participant id.

    Covers the randomised participants among the given ones (or one site, or everyone) with a dosing diary or a
    baseline form (a baseline form alone, without randomisation, is no dose); a
    participant absent from the answer, or mapped to None, has no known first dose (not treated yet).
    Runs inside the caller's unit of work (``reading()`` or ``writing()``).
    """
    firsts: dict[str, date | None] = {}
    # streamed by participant (one participant's forms in memory at a time: a whole study's diaries are large)
    for pid, group in groupby(record_store.iter_current_of_participants(
            conn, instrument_id=_dosing_ids(study), visit_id=_baseline_visit_id(study),
            participant_ids=participant_ids, site_id=site_id), key=itemgetter("participant_id")):
        recs = list(group)
        firsts[pid] = first_dose_date([r for r in recs if is_dosing_record(r, study)],
                                      study, baseline_date=baseline_date(recs, study))
    randomised = {pid for pid, e in participant_store.enrolled(conn, firsts).items() if e.arm}
    # a baseline form alone is no dose: someone scored at the eligibility visit but never randomised is untreated
    return {pid: first for pid, first in firsts.items() if pid in randomised}


def compliance_by_participant(conn: Connection, study: Study, *, participant_ids: list[str] | None = None,
                              site_id: str | None = None) -> dict[str, Compliance]:
    """Each randomised participant's compliance (``shared.compliance.compliance``: doses taken against the arm's
    schedule over the actual dates of their diaries), by participant id; for the report and the pages.
    Participants without a diary or a baseline form are absent."""
    found = diaries_and_baselines(conn, study, participant_ids=participant_ids, site_id=site_id)
    arms = {pid: e.arm for pid, e in participant_store.enrolled(conn, found).items()}
    return {pid: compliance(diaries, study, arms[pid], baseline_date=baseline)
            for pid, (diaries, baseline) in found.items() if pid in arms}


def first_dose_date_of(conn: Connection, study: Study, participant_id: str) -> date | None:
    """One participant's first-dose date, None when not known (no baseline visit, or no dose reported)."""
    return first_dose_dates(conn, study, participant_ids=[participant_id]).get(participant_id)


def dosing_view(study: Study, arm_code: str | None, records: list[dict[str, Any]]) -> dict[str, Any]:
    """What the participant page shows of dosing, from the participant's current records: the first-dose date,
    compliance (overall and per drug of the arm) and the doses per date of the dated diaries."""
    diary = study.instrument_with_role("dosing")
    diaries = [r for r in records if is_dosing_record(r, study)]    # home entries win for their dates
    base = baseline_date(records, study)
    drugs = [t.drug for t in study.arm(arm_code).treatments] if arm_code else []
    return {"first_dose": first_dose_date(diaries, study, baseline_date=base),
            "compliance": compliance(diaries, study, arm_code, baseline_date=base) if arm_code else None,
            "drugs": [(d, study.drug(d)) for d in drugs],
            "taken": taken_by_date(diaries), "has_diary": diary is not None}
