"""SDTM MH (medical history) from the ``medical_history`` records (SDTMIG 3.4).

MHTERM is the verbatim condition (MHDECOD empty: no MedDRA coding); MHENRTPT says whether it was ONGOING or
ended BEFORE the reference time point MHENTPT, the date the entry was recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.current import ParticipantData
from server.exports.sdtm_timing import Timing, site_day
from shared.medical_history import KIND
from shared.study.model import Study

CATEGORY = "GENERAL MEDICAL HISTORY"


def mh_rows(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """One MH row per medical-history entry (newest revision), in the order of collection."""
    for rec in pd.records:
        if rec["kind"] != KIND:
            continue
        d = rec["data"]
        collected = site_day(rec["collected_at"], study, rec.get("site_id") or pd.participant["site_id"])  # site's day
        yield {"MHSPID": rec["record_id"], "MHTERM": d.get("condition"), "MHCAT": CATEGORY,
               "EPOCH": t.epoch(collected), "MHDTC": collected, "MHSTDTC": d.get("start_date"),
               "MHDY": t.study_day(collected), "MHENRTPT": "ONGOING" if d.get("ongoing") is True else "BEFORE",
               "MHENTPT": collected}
