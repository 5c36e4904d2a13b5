"""SDTM CM (concomitant/prior medications) from the ``concomitant_medication`` records (SDTMIG 3.4).

CMCLAS/CMCLASCD are the study file's ATC class of the entry (the class is what staff code; CMDECOD stays
empty: no WHODrug coding). Start and end dates keep their precision (a partial date stays partial, and its
--DY stays empty); an ongoing medication has CMENRTPT = ONGOING relative to CMENTPT, the date it was recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.current import ParticipantData
from server.exports.define_meta import submission_frequency
from server.exports.sdtm_timing import Timing, site_day
from shared.conmed import KIND
from shared.study.model import Study


def cm_rows(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """One CM row per medication entry (newest revision), in the order of collection."""
    section = study.clinical_record
    for rec in pd.records:
        if rec["kind"] != KIND:
            continue
        d = rec["data"]
        atc = section.atc_class(d.get("atc_class", "")) if section else None
        collected = site_day(rec["collected_at"], study, rec.get("site_id") or pd.participant["site_id"])  # site's day
        ongoing = d.get("ongoing") is True
        yield {"CMSPID": rec["record_id"], "CMTRT": d.get("name"), "CMCLAS": atc.name if atc else None,
               "CMCLASCD": d.get("atc_class"), "CMINDC": d.get("indication"), "CMDOSE": d.get("dose"),
               "CMDOSU": d.get("dose_unit"), "CMDOSFRQ": submission_frequency(d.get("frequency")),
               "CMROUTE": d.get("route"),
               "EPOCH": t.epoch(d.get("start_date")), "CMDTC": collected, "CMSTDTC": d.get("start_date"),
               "CMENDTC": d.get("end_date"), "CMDY": t.study_day(collected), "CMSTDY": t.study_day(d.get("start_date")),
               "CMENDY": t.study_day(d.get("end_date")), "CMENRTPT": "ONGOING" if ongoing else None,
               "CMENTPT": collected if ongoing else None}
