"""Clinician-reported outcomes per visit: the study's weighted index (rated domains, total computed) and its
clinician global assessment, found by their roles in the study file (clinician_index, clinician_global).

The total is computed by the score its instrument file declares (a weighted sum), never typed in.
A second entry for the same participant and visit is a correction of the first, with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.instruments.model import Instrument, Text
from shared.study.model import Study

__all__ = ["RatedDomain", "activity_band", "domains_total", "existing_entry", "global_instrument", "index_instrument",
           "level_texts", "max_total", "rated_domains", "record_domains", "record_global", "visits_due"]


def index_instrument(study: Study) -> Instrument | None:
    """The clinician-rated index of rated domains (role clinician_index), if the study has one."""
    return study.instrument_with_role("clinician_index")


def global_instrument(study: Study) -> Instrument | None:
    """The clinician's global assessment (role clinician_global), if the study has one."""
    return study.instrument_with_role("clinician_global")


def _index(study: Study) -> Instrument:
    inst = index_instrument(study)
    if inst is None:
        raise KeyError("the study has no instrument with the role clinician_index")
    return inst


def max_total(study: Study) -> int:
    """The highest total the weighted domains allow."""
    return int(_index(study).score_maximum() or 0)


def activity_band(study: Study, total: int) -> str:
    """The band of ``total`` declared in the instrument file (e.g. low, moderate, high)."""
    return _index(study).declared_score().band(total)


def level_texts(study: Study) -> dict[int, Text]:
    """Each activity level and its label, over every domain (a domain may allow only some levels)."""
    out: dict[int, Text] = {}
    for it in _index(study).items:
        for c in it.choices:
            out.setdefault(int(c.code), c.label)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class RatedDomain:
    """One rated domain as the form shows it: label, weight and the levels allowed for it, each with its
    definition when the instrument file gives one."""

    id: str
    label: Text
    weight: int
    levels: tuple[tuple[int, Text, Text | None], ...]


def rated_domains(study: Study) -> list[RatedDomain]:
    inst = _index(study)
    weights = inst.declared_score().weights
    return [RatedDomain(id=it.id, label=it.label, weight=int(weights.get(it.id, 1)),
                        levels=tuple((int(c.code), c.label, c.description) for c in it.choices))
            for it in inst.items]


def domains_total(study: Study, levels: Mapping[str, int | None]) -> int | None:
    """Sum of level x weight; None until every domain is rated."""
    total = _index(study).declared_score().compute(levels)
    return None if total is None else int(total)


def visits_due(station: Station, instrument_id: str) -> list[tuple[str, Text]]:
    """(visit id, label) of every visit at which the study file asks for ``instrument_id``."""
    return [(v.id, Text(en=v.label, zh=v.label_zh)) for v in station.study.visits if instrument_id in v.instruments]


def existing_entry(station: Station, participant_id: str, visit_id: str, instrument_id: str) -> dict[str, Any] | None:
    """The newest revision already saved for this participant, visit and instrument, if any."""
    rows = [r for r in store_records.records_of(station.store, participant_id, kind="instrument_response")
            if r["visit_id"] == visit_id and r["instrument_id"] == instrument_id]
    return rows[-1] if rows else None


def _save(station: Station, participant_id: str, visit_id: str, instrument_id: str, answers: Mapping[str, Any],
          actor: str, reason: str | None) -> dict[str, Any]:
    before = existing_entry(station, participant_id, visit_id, instrument_id)
    if before is None:
        return recording.record_instrument(station, participant_id=participant_id, visit_id=visit_id,
                                           instrument_id=instrument_id, answers=answers, entered_by=actor)
    return recording.correct_record(station, before["record_id"], data=answers, reason=reason or "", actor=actor)


def record_domains(station: Station, participant_id: str, visit_id: str, levels: Mapping[str, int | None], *,
                   actor: str, reason: str | None = None) -> dict[str, Any]:
    """Save every domain level (a correction with ``reason`` when the visit already has one).

    Raises RecordInvalid naming every unrated or impossible domain level.
    """
    inst = _index(station.study)
    answers = {it.id: levels.get(it.id) for it in inst.items}
    return _save(station, participant_id, visit_id, inst.id, answers, actor, reason)


def record_global(station: Station, participant_id: str, visit_id: str, activity: float | None, *,
                  actor: str, reason: str | None = None) -> dict[str, Any]:
    """Save the clinician global assessment (its one item); a correction with ``reason`` when one exists."""
    inst = global_instrument(station.study)
    if inst is None:
        raise KeyError("the study has no instrument with the role clinician_global")
    return _save(station, participant_id, visit_id, inst.id, {inst.items[0].id: activity}, actor, reason)
