"""Dates a person reads in the exports are the site's calendar days (issue 16, point 5): a record saved at
07:30 in Beijing (23:30 UTC the evening before) is dated that Beijing morning in SDTM CM and MH (--DTC, --DY,
--ENTPT) and FHIR ResearchSubject.period.start, as DS RANDOMIZED already is; UTC stays in the stored records."""

from __future__ import annotations

from typing import Any

from server.exports.current import ParticipantData
from server.exports.fhir import research_subject
from server.exports.sdtm_cm import cm_rows
from server.exports.sdtm_ds import ds_rows
from server.exports.sdtm_mh import mh_rows
from server.exports.sdtm_timing import timing
from shared import conmed, medical_history
from shared.study import default_study

STUDY = default_study()
SITE = next(s for s in STUDY.sites if s.timezone == "Asia/Shanghai")
EVENING_UTC = "2026-03-01T23:30:00.000Z"          # 2026-03-02 07:30 at the site
SITE_DAY = "2026-03-02"


def _record(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"record_id": f"rec-{kind}", "kind": kind, "site_id": SITE.id, "participant_id": "P-1",
            "collected_at": EVENING_UTC, "data": data}


def _participant() -> ParticipantData:
    arm = STUDY.arms[0].code
    person = {"participant_id": "P-1", "site_id": SITE.id, "arm": arm, "enrolled_at": EVENING_UTC}
    records = [_record(conmed.KIND, {"name": "synthetic tablet", "start_date": "2026-02-01", "ongoing": True}),
               _record(medical_history.KIND, {"condition": "synthetic condition", "start_date": "2020-01-01",
                                              "ongoing": True})]
    return ParticipantData(participant=person, records=records, labs=[])


def test_cm_mh_and_research_subject_carry_the_sites_day_not_the_utc_one() -> None:
    pd = _participant()
    t = timing(STUDY, pd, None)
    (cm,) = cm_rows(STUDY, pd, t)
    assert (cm["CMDTC"], cm["CMENTPT"]) == (SITE_DAY, SITE_DAY)
    (mh,) = mh_rows(STUDY, pd, t)
    assert (mh["MHDTC"], mh["MHENTPT"]) == (SITE_DAY, SITE_DAY)
    assert research_subject(STUDY, pd, {"reference": "Patient/p-1"})["period"]["start"] == SITE_DAY
    randomised = next(r for r in ds_rows(STUDY, pd, t) if r["DSDECOD"] == "RANDOMIZED")
    assert randomised["DSSTDTC"] == SITE_DAY                     # the two say the same day


def test_the_participant_pages_clinical_record_dates_are_the_sites_days() -> None:
    from server.services.clinical_record import clinical_record_view

    records = [{**r, "revision": 1} for r in _participant().records]
    view = clinical_record_view(STUDY, records, "en")
    assert [row["date"] for row in view["medications"] + view["history"]] == [SITE_DAY, SITE_DAY]
