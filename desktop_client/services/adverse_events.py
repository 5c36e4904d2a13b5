"""Adverse-event reports entered by staff: validate with shared/, save, and send serious ones first.

Seriousness is never typed in: it follows from the ICH E2A criteria ticked
(any ticked makes the event serious). A serious event goes into the outbox
with ``PRIORITY_SERIOUS`` so the next sync sends it before anything else, and
its report deadline (24 h after the site became aware, ``awareness_at``) is shown to staff.
Causality and action are asked only for the drugs of the participant's arm.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared import pharmacovigilance
from shared.adverse_events import SERIOUSNESS_CRITERIA, drug_map, is_serious
from shared.records import new_record
from shared.validation import validate_record

KIND = "adverse_event"
REPORT_WITHIN = pharmacovigilance.REPORT_WITHIN
# A first suggestion only (staff choose the grade): the participant's own severity word maps to CTCAE 1-3.
GRADE_FOR_SEVERITY = {"mild": 1, "moderate": 2, "severe": 3}


@dataclass(frozen=True)
class AdverseEventEntry:
    """What staff enter on the adverse-event form; ``serious`` is derived from ``serious_criteria``."""

    term: str
    onset_date: date | None
    grade: int | None
    serious_criteria: Sequence[str] = ()
    causality: Mapping[str, str | None] = field(default_factory=dict)   # drug -> WHO-UMC category
    action: Mapping[str, str | None] = field(default_factory=dict)      # drug -> action taken
    outcome: str | None = None
    end_date: date | None = None
    source_symptom: str | None = None
    visit_id: str | None = None
    term_en: str | None = None              # English translation of a term typed in Chinese
    awareness_at: datetime | None = None    # when the site learned of the event (aware, with UTC offset)
    death_date: date | None = None          # the participant's death date (fatal outcome only)
    nonserious_reason: str | None = None    # why a grade >= 4 event is not serious

    @property
    def serious(self) -> bool:
        return is_serious(list(self.serious_criteria))

    def as_data(self) -> dict[str, Any]:
        """The record's ``data`` (criteria in the catalogue's order, so equal entries hash equally)."""
        ticked = [c for c in SERIOUSNESS_CRITERIA if c in self.serious_criteria]
        ticked += [c for c in self.serious_criteria if c not in SERIOUSNESS_CRITERIA]  # refused by validation
        data: dict[str, Any] = {
            "term": self.term.strip(),
            "onset_date": self.onset_date.isoformat() if self.onset_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "grade": self.grade, "serious": self.serious, "serious_criteria": ticked,
            "causality": dict(self.causality), "action": dict(self.action),
            "outcome": self.outcome, "source_symptom": self.source_symptom, "visit_id": self.visit_id,
            "term_en": (self.term_en or "").strip() or None,
            "awareness_at": self.awareness_at.isoformat(timespec="seconds") if self.awareness_at else None,
            "death_date": self.death_date.isoformat() if self.death_date else None,
            "nonserious_reason": (self.nonserious_reason or "").strip() or None,
        }
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AdverseEventEntry:
        """The form contents of a saved report (for a correction)."""
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if isinstance(value, str) else None

        return cls(term=data.get("term") or "", onset_date=day(data.get("onset_date")), grade=data.get("grade"),
                   serious_criteria=tuple(data.get("serious_criteria") or ()),
                   causality=drug_map(data, "causality"), action=drug_map(data, "action"),
                   outcome=data.get("outcome"),
                   end_date=day(data.get("end_date")), source_symptom=data.get("source_symptom"),
                   visit_id=data.get("visit_id"), term_en=data.get("term_en"),
                   awareness_at=pharmacovigilance.awareness(data), death_date=day(data.get("death_date")),
                   nonserious_reason=data.get("nonserious_reason"))


def _priority(data: Mapping[str, Any]) -> int:
    return store_records.PRIORITY_SERIOUS if data.get("serious") is True else store_records.PRIORITY_NORMAL


def record_adverse_event(station: Station, participant_id: str, entry: AdverseEventEntry, *,
                         actor: str) -> dict[str, Any]:
    """Validate and save a new report; returns it after COMMIT. Raises RecordInvalid naming every field.

    Grade 5 is accepted only as a serious event with death ticked (shared/adverse_events.py).
    """
    data = entry.as_data()
    record = new_record(kind=KIND, study_id=station.study.study.id, study_version=station.study.study.version,
                        site_id=station.site_id, participant_id=participant_id, data=data, entered_by=actor,
                        device_id=station.device_id, visit_id=entry.visit_id,
                        timezone=station.site_timezone)
    validate_record(record, station.study, arm_code=station.participant_arm(participant_id),
                    consent_date=station.participant_consent(participant_id))
    store_records.save_record(station.store, record, actor=actor, priority=_priority(data))
    return record


def correct_adverse_event(station: Station, record_id: str, entry: AdverseEventEntry, *, reason: str,
                          actor: str) -> dict[str, Any]:
    """Save a corrected revision with the reason; the old values stay in the local audit."""
    data = entry.as_data()
    return recording.correct_record(station, record_id, data=data, reason=reason, actor=actor,
                                    priority=_priority(data))


def adverse_events_of(station: Station, participant_id: str) -> list[dict[str, Any]]:
    """The newest revision of every adverse-event report of a participant, oldest first."""
    return store_records.records_of(station.store, participant_id, kind=KIND)


def report_deadline(station: Station, record: Mapping[str, Any]) -> datetime | None:
    """When a serious event must have reached the sponsor: 24 h after the site became aware of it
    (``awareness_at``); None if not serious or the awareness moment is not given."""
    return pharmacovigilance.report_deadline(record["data"])


def blank_per_drug(station: Station, arm_code: str | None) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Causality and action to fill in: unset for each drug of the arm and nothing for the study's other drugs
    (they are not asked); every drug of the study when the arm is not known."""
    drugs = station.study.arm(arm_code).drugs if arm_code else frozenset(station.study.drug_ids)
    blank: dict[str, str | None] = {d: None for d in station.study.drug_ids if d in drugs}
    return dict(blank), dict(blank)


def draft_from_symptom(station: Station, participant_id: str, *, symptom_id: str, severity: str,
                       visit_id: str | None, onset: date | None, language: str = "en") -> AdverseEventEntry:
    """An unsaved report pre-filled from a symptom the participant reported; staff complete and save it.

    Causality and action are asked only for the drugs of the participant's arm (staff choose); a Chinese
    term comes with the symptom's English label as its translation.
    """
    checklist = station.study.instrument_with_role("symptoms")
    if checklist is None or symptom_id not in checklist.groups():
        raise KeyError(symptom_id)
    label = checklist.group_label(symptom_id)
    en, zh = label.en, label.zh
    arm_code = station.participant_arm(participant_id)
    causality, action = blank_per_drug(station, arm_code)
    return AdverseEventEntry(term=zh if language == "zh" else en, onset_date=onset,
                             grade=GRADE_FOR_SEVERITY.get(severity), causality=causality, action=action,
                             source_symptom=symptom_id, visit_id=visit_id,
                             term_en=en if language == "zh" and not zh.isascii() else None)
