"""What a station knows of a participant: its own records joined with the site's state the server sent (no Qt).

A second kiosk at a site never holds the first one's records, yet its nurse must see every visit done, every
adverse event and the latest scores (issue 22). The server sends summaries of the site's records
(``site_state``, store/site_state.py); these reads put them beside the station's own records, one entry per
record id (the newer revision wins; on a tie the station's own copy, which has every field).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from desktop_client.store import site_state
from shared.errors import UnknownInstrument
from shared.instruments import get_instrument

RESPONSE, AE = "instrument_response", "adverse_event"


@dataclass(frozen=True)
class ResponseDone:
    """One instrument answered at one visit (by whichever kiosk), with when it was collected."""

    record_id: str
    visit_id: str | None
    instrument_id: str
    collected_at: str
    scores: dict[str, float]
    here: bool                      # recorded on this station (False: known from the server)


@dataclass(frozen=True)
class AdverseEventSummary:
    """An adverse event as the nurse overview lists it."""

    record_id: str
    term: str
    grade: int | None
    onset_date: str | None
    outcome: str | None
    serious: bool
    here: bool


@dataclass(frozen=True)
class LatestScore:
    """A scored instrument's newest score of a participant."""

    instrument_id: str
    visit_id: str | None
    collected_at: str
    scores: dict[str, float]


def _scores(rec: dict[str, Any]) -> dict[str, float]:
    try:
        inst = get_instrument(rec["instrument_id"], rec.get("instrument_version"))
    except UnknownInstrument:
        return {}
    return {k: v for k, v in inst.score(rec.get("data") or {}).items() if v is not None}


def _merged(station: Station, participant_id: str, kind: str) -> list[tuple[dict[str, Any], bool]]:
    """(record-or-summary, here) per record id: the station's newest revision unless the server's is newer."""
    out: dict[str, tuple[int, dict[str, Any], bool]] = {}
    for rec in store_records.records_of(station.store, participant_id, kind=kind):
        out[rec["record_id"]] = (int(rec["revision"]), rec, True)
    for row in site_state.of_participant(station.store, participant_id, kind):
        held = out.get(row["record_id"])
        if held is None or row["revision"] > held[0]:
            out[row["record_id"]] = (int(row["revision"]), row, False)
    return [(item, here) for _rev, item, here in out.values()]


def responses_done(station: Station, participant_id: str) -> list[ResponseDone]:
    """Every instrument response of the participant known here, oldest first."""
    done = []
    for item, here in _merged(station, participant_id, RESPONSE):
        scores = _scores(item) if here else dict(item["summary"].get("scores") or {})
        done.append(ResponseDone(item["record_id"], item.get("visit_id"), item["instrument_id"],
                                 item["collected_at"], scores, here))
    return sorted(done, key=lambda d: (d.collected_at, d.record_id))


def adverse_events(station: Station, participant_id: str) -> list[AdverseEventSummary]:
    """Every adverse event of the participant known here, by onset date."""
    out = []
    for item, here in _merged(station, participant_id, AE):
        d = (item.get("data") or {}) if here else item["summary"]
        grade = d.get("grade")
        out.append(AdverseEventSummary(item["record_id"], str(d.get("term") or ""),
                                       grade if type(grade) is int else None, d.get("onset_date"), d.get("outcome"),
                                       bool(d.get("serious")), here))
    return sorted(out, key=lambda a: (a.onset_date or "", a.record_id))


def latest_scores(station: Station, participant_id: str) -> list[LatestScore]:
    """Each scored instrument's newest score of the participant (by time of collection), in study order."""
    newest: dict[str, ResponseDone] = {}
    for d in responses_done(station, participant_id):
        if d.scores and (d.instrument_id not in newest or d.collected_at >= newest[d.instrument_id].collected_at):
            newest[d.instrument_id] = d
    order = {ref.id: i for i, ref in enumerate(station.study.instruments)}
    return [LatestScore(d.instrument_id, d.visit_id, d.collected_at, d.scores)
            for d in sorted(newest.values(), key=lambda d: order.get(d.instrument_id, len(order)))]
