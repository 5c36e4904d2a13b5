"""SDTM VS (vital signs) from the ``vital_signs`` records (SDTMIG 3.4): one row per measurement, VSTESTCD and
units in CDISC controlled terms (SYSBP, DIABP, PULSE, TEMP, WEIGHT; mmHg, beats/min, C, kg), no unit
conversion (the units collected are the standard ones)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.current import ParticipantData
from server.exports.sdtm_timing import Timing
from shared.study.model import Study
from shared.vital_signs import KIND, VITAL_SIGNS


def _text(value: float) -> str:
    return format(value, "g")


def vs_rows(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """One VS row per measurement of each vital-signs record (newest revision), in the order of collection
    (baseline flags are set by the caller, as for every findings domain)."""
    visits = {v.id: v for v in study.visits}
    for rec in pd.records:
        if rec["kind"] != KIND:
            continue
        visit = visits.get(rec.get("visit_id") or "")
        for sign in VITAL_SIGNS:
            value = rec["data"].get(sign.field)
            if value is None:
                continue
            yield {"VSSPID": rec["record_id"], "VSTESTCD": sign.testcd, "VSTEST": sign.test,
                   "VSORRES": _text(value), "VSORRESU": sign.sdtm_unit, "VSSTRESC": _text(value),
                   "VSSTRESN": value, "VSSTRESU": sign.sdtm_unit, "VISITNUM": visit.number if visit else None,
                   "VISIT": visit.label if visit else None, "EPOCH": t.epoch(rec["collected_at"]),
                   "VSDTC": rec["collected_at"], "VSDY": t.study_day(rec["collected_at"])}
