"""What a participant reported on the symptom checklist, visit by visit, with what is new or worse.

"Previous" is the participant's symptom checklist saved just before this one
(by time of collection), so an unscheduled visit compares like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.instruments.model import Instrument, Text
from shared.study.model import Study


def checklist(study: Study) -> Instrument | None:
    """The symptom checklist (role symptoms): its item groups are the symptoms, each with a yes/no and a
    severity item."""
    return study.instrument_with_role("symptoms")
NEW, WORSE, SAME, BETTER = "new", "worse", "same", "better"


@dataclass(frozen=True)
class ReportedSymptom:
    """One symptom the participant reported at a visit, compared with the previous checklist."""

    symptom_id: str
    label: Text
    severity: str
    previous_severity: str | None
    change: str                       # new, worse, same or better
    visit_id: str
    collected_on: date

    @property
    def highlighted(self) -> bool:
        """New or worse since the last visit: the nurse should look at it (and maybe report an AE)."""
        return self.change in (NEW, WORSE)


@dataclass(frozen=True)
class ChecklistVisit:
    """A visit at which the participant filled in the symptom checklist."""

    visit_id: str
    label: Text
    collected_on: date
    reported: int
    highlighted: int


def _checklists(station: Station, participant_id: str) -> list[dict[str, Any]]:
    inst = checklist(station.study)
    if inst is None:
        return []
    recs = [r for r in store_records.records_of(station.store, participant_id, kind="instrument_response")
            if r["instrument_id"] == inst.id]
    # Visits in the study's order first: two checklists saved within the same clock tick (or a late entry of an
    # earlier visit) must still compare each visit with the one before it in the schedule.
    order = {v.id: i for i, v in enumerate(station.study.visits)}
    return sorted(recs, key=lambda r: (order.get(r["visit_id"], len(order)), r["collected_at"]))


def _local_date(record: dict[str, Any]) -> date:
    return datetime.fromisoformat(record["collected_at_local"]).date()


def _compare(inst: Instrument, symptom: str, severity: str, previous: str | None) -> str:
    if previous is None:
        return NEW
    now, before = inst.group_rank(symptom, severity), inst.group_rank(symptom, previous)
    return WORSE if now > before else BETTER if now < before else SAME


def _review(inst: Instrument, records: list[dict[str, Any]], index: int) -> list[ReportedSymptom]:
    rec = records[index]
    previous = inst.reported_groups(records[index - 1]["data"]) if index > 0 else {}
    on = _local_date(rec)
    return [ReportedSymptom(symptom_id=sid, label=inst.group_label(sid), severity=sev,
                            previous_severity=previous.get(sid), change=_compare(inst, sid, sev, previous.get(sid)),
                            visit_id=rec["visit_id"], collected_on=on)
            for sid, sev in inst.reported_groups(rec["data"]).items()]


def checklist_visits(station: Station, participant_id: str) -> list[ChecklistVisit]:
    """Every visit with a symptom checklist, newest first, with how many symptoms need a look."""
    recs = _checklists(station, participant_id)
    inst = checklist(station.study)
    out = []
    for i, rec in enumerate(recs):
        rows = _review(inst, recs, i)
        visit = station.study.visit(rec["visit_id"])
        out.append(ChecklistVisit(visit_id=rec["visit_id"], label=Text(en=visit.label, zh=visit.label_zh),
                                  collected_on=_local_date(rec), reported=len(rows),
                                  highlighted=sum(r.highlighted for r in rows)))
    return out[::-1]


def review(station: Station, participant_id: str, visit_id: str) -> list[ReportedSymptom]:
    """The symptoms reported at ``visit_id`` (the latest checklist of that visit), new or worse ones first."""
    recs = _checklists(station, participant_id)
    inst = checklist(station.study)
    indexes = [i for i, r in enumerate(recs) if r["visit_id"] == visit_id]
    if inst is None or not indexes:
        return []
    rows = _review(inst, recs, indexes[-1])
    return sorted(rows, key=lambda r: (not r.highlighted, list(inst.groups()).index(r.symptom_id)))
