"""Clinician-reported outcomes per visit: ESSDAI (12 weighted domains, total computed) and Physician Global VAS.

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
from shared.instruments import get_instrument
from shared.instruments.model import Instrument, Text

__all__ = ["EssdaiDomain", "activity_band", "essdai_domains", "essdai_instrument", "essdai_total", "existing_entry",
           "level_texts", "max_total", "physician_global_instrument", "record_essdai", "record_physician_global",
           "visits_due"]


def essdai_instrument() -> Instrument:
    return get_instrument("essdai")


def physician_global_instrument() -> Instrument:
    return get_instrument("physician_global_vas")


def max_total() -> int:
    """The highest total the weighted domains allow."""
    return int(essdai_instrument().score_maximum() or 0)


def activity_band(total: int) -> str:
    """The band of ``total`` declared in the instrument file (low, moderate, high)."""
    return essdai_instrument().declared_score().band(total)


def level_texts() -> dict[int, Text]:
    """Each activity level and its label, over every domain (a domain may allow only some levels)."""
    out: dict[int, Text] = {}
    for it in essdai_instrument().items:
        for c in it.choices:
            out.setdefault(int(c.code), c.label)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class EssdaiDomain:
    """One ESSDAI domain as the form shows it: label, weight and the levels allowed for it."""

    id: str
    label: Text
    weight: int
    levels: tuple[tuple[int, Text], ...]


def essdai_domains() -> list[EssdaiDomain]:
    inst = essdai_instrument()
    weights = inst.declared_score().weights
    return [EssdaiDomain(id=it.id, label=it.label, weight=int(weights[it.id]),
                         levels=tuple((int(c.code), c.label) for c in it.choices))
            for it in inst.items]


def essdai_total(levels: Mapping[str, int | None]) -> int | None:
    """Sum of level x weight; None until every domain is rated."""
    total = essdai_instrument().declared_score().compute(levels)
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


def record_essdai(station: Station, participant_id: str, visit_id: str, levels: Mapping[str, int | None], *,
                  actor: str, reason: str | None = None) -> dict[str, Any]:
    """Save the 12 domain levels (a correction with ``reason`` when the visit already has an ESSDAI).

    Raises RecordInvalid naming every unrated or impossible domain level.
    """
    inst = essdai_instrument()
    answers = {it.id: levels.get(it.id) for it in inst.items}
    return _save(station, participant_id, visit_id, inst.id, answers, actor, reason)


def record_physician_global(station: Station, participant_id: str, visit_id: str, activity: float | None, *,
                            actor: str, reason: str | None = None) -> dict[str, Any]:
    """Save the Physician Global VAS (0-10, one decimal); a correction with ``reason`` when one exists."""
    return _save(station, participant_id, visit_id, physician_global_instrument().id, {"activity": activity},
                 actor, reason)
