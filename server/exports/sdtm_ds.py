"""SDTM DS (disposition) and DV (protocol deviations) rows of one participant.

DS: the protocol milestones (informed consent, randomisation) and the disposition event from the participant's
disposition record (``shared.disposition``): DSDECOD COMPLETED or the CDISC NCOMPLT term of the reason,
DSCAT DISPOSITION EVENT, DSSTDTC its date. DV: every deviation of ``shared.deviations.participant_deviations``
(staff-recorded, out-of-window and missed visits as of the data cut: ``--to``, else the export day at the
site).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.current import ParticipantData
from server.exports.sdtm_timing import Timing, site_day
from shared.deviations import participant_deviations
from shared.disposition import DS_CATEGORY, disposition_of
from shared.site_time import site_today
from shared.study.model import Study

MILESTONE = "PROTOCOL MILESTONE"


def ds_rows(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """DS: consent, randomisation and the disposition event (when recorded)."""
    p = pd.participant
    rows = []
    enrol = next((r for r in pd.records if r["kind"] in ("enrolment", "screening")   # issue 15: screening
                  and r["data"].get("consent_date")), None)
    if enrol:
        rows.append({"DSTERM": "INFORMED CONSENT OBTAINED", "DSDECOD": "INFORMED CONSENT OBTAINED",
                     "DSCAT": MILESTONE, "DSSTDTC": enrol["data"]["consent_date"]})
    if p["enrolled_at"]:   # issue 15: someone screened and never randomised has no RANDOMIZED row
        rows.append({"DSTERM": "RANDOMIZED", "DSDECOD": "RANDOMIZED", "DSCAT": MILESTONE,
                     "DSSTDTC": site_day(p["enrolled_at"], study, p["site_id"])})   # the site's day, not UTC
    ended = disposition_of(pd.records)
    if ended is not None:
        rows.append({"DSTERM": ended.term.upper(), "DSDECOD": ended.decod, "DSCAT": DS_CATEGORY,
                     "DSSTDTC": ended.day.isoformat()})
    for row in rows:
        yield {**row, "EPOCH": t.epoch(row["DSSTDTC"]), "DSSTDY": t.study_day(row["DSSTDTC"])}


def dv_rows(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """DV: DVTERM what happened, DVDECOD the coded term, DVCAT the category, DVSCAT MAJOR or MINOR."""
    zone = study.site(pd.participant["site_id"]).timezone
    today = t.as_of or site_today(study, pd.participant["site_id"])     # the data cut (ExportScope.as_of)
    for d in participant_deviations(study, pd.participant["participant_id"], pd.records, today=today,
                                    timezone=zone):
        yield {"DVSPID": d.record_id or f"{d.visit_id}-{d.rule}"[:36], "DVTERM": d.term, "DVDECOD": d.decod,
               "DVCAT": d.dvcat, "DVSCAT": d.severity.upper(), "EPOCH": t.epoch(d.day),
               "DVSTDTC": d.day.isoformat(), "DVSTDY": t.study_day(d.day)}
