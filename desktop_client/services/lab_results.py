"""Lab results in nurse mode (no Qt): the participant's current results with their normal range, flag and
CTCAE grade, and the AEs the graded ones propose (same rules as the server: shared/lab_grading.py). Accepting
a proposal opens the AE form prefilled with ``ae_prefill``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop_client.services import adverse_events
from desktop_client.services.adverse_events import AdverseEventEntry
from desktop_client.services.station import Station
from desktop_client.store import labs as store_labs
from desktop_client.store import records as store_records
from shared.lab_grading import AeProposal, ae_proposals, grade, range_indicator


@dataclass(frozen=True)
class LabLine:
    """One current result as nurse mode shows it."""

    result_id: str
    revision: int
    visit_id: str
    test_code: str
    test_name: str
    sample_date: str
    value: float
    unit: str
    normal_range: str
    flag: str
    grade: int | None
    reason: str | None


def lab_lines(station: Station, participant_id: str, *, chinese: bool = False) -> list[LabLine]:
    """The participant's current results (newest revision of each), by sample date."""
    out = []
    for r in store_labs.current(station.store, participant_id):
        test = station.study.lab_tests.get(r["test_code"])
        rng = test.normal_range(r["sex"]) if test else None
        limits = "" if rng is None else (f"{'' if rng.low is None else f'{rng.low:g}'}–"
                                         f"{'' if rng.high is None else f'{rng.high:g}'}")
        g = grade(test, r["value"], r["sex"]) if test else None
        name = (test.name_zh if chinese else test.name) if test else r["test_code"]
        out.append(LabLine(r["result_id"], r["revision"], r["visit_id"], r["test_code"], name, r["sample_date"],
                           r["value"], r["unit"], limits, (range_indicator(test, r["value"], r["sex"]) or "")
                           if test else "", g.grade if g else None, r["reason"]))
    return out


def proposals(station: Station, participant_id: str) -> list[AeProposal]:
    """AEs the participant's graded results propose: none once an AE of the term near the sample date exists."""
    rows = store_labs.current(station.store, participant_id)
    events = [{**r, "participant_id": participant_id}
              for r in store_records.records_of(station.store, participant_id, kind="adverse_event")]
    return ae_proposals(station.study, rows, {participant_id: rows[0]["sex"] if rows else None}, events)


def draft_from_lab(station: Station, proposal: AeProposal) -> AdverseEventEntry:
    """The unsaved AE report a proposal opens: the CTCAE term, the grade and the sample date as onset; causality
    and action blank for the drugs of the participant's arm. Staff check and complete every field."""
    causality, action = adverse_events.blank_per_drug(station, station.participant_arm(proposal.participant_id))
    return AdverseEventEntry(term=proposal.term, onset_date=date.fromisoformat(proposal.onset_date),
                             grade=proposal.grade, causality=causality, action=action)
