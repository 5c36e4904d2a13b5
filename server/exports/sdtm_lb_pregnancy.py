"""Pregnancy tests as SDTM LB rows (issue 18; SDTMIG puts them in LB): LBTESTCD HCG (CDISC CT
"Choriogonadotropin Beta"), qualitative result NEGATIVE/POSITIVE in LBORRES and LBSTRESC (no numeric result, no
unit, no normal range), LBSPEC SERUM or URINE with LBCAT CHEMISTRY or URINALYSIS, LBLOINC 2118-8 or 2106-3, LBDTC
the test date."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.current import ParticipantData
from server.exports.fhir_clinical_record import PREGNANCY_LOINC
from server.exports.sdtm_timing import Timing
from shared.pregnancy import KIND
from shared.study.model import Study

SPECIMEN = {"serum": ("SERUM", "CHEMISTRY"), "urine": ("URINE", "URINALYSIS")}


def pregnancy_lb_rows(study: Study, pd: ParticipantData, t: Timing) -> Iterator[dict[str, Any]]:
    """One LB row per pregnancy test (newest revision); LBSPID is the record id."""
    visits = {v.id: v for v in study.visits}
    for rec in pd.records:
        if rec["kind"] != KIND:
            continue
        d = rec["data"]
        spec, cat = SPECIMEN.get(d.get("method"), ("", ""))
        result = str(d.get("result") or "").upper() or None
        visit = visits.get(rec.get("visit_id") or "")
        day = d.get("test_date")
        yield {"LBSPID": rec["record_id"], "LBTESTCD": "HCG", "LBTEST": "Choriogonadotropin Beta", "LBCAT": cat,
               "LBORRES": result, "LBSTRESC": result, "LBSPEC": spec,
               "LBLOINC": PREGNANCY_LOINC.get(d.get("method"), ("",))[0] or None,
               "VISITNUM": visit.number if visit else None, "VISIT": visit.label if visit else None,
               "EPOCH": t.epoch(day), "LBDTC": day, "LBDY": t.study_day(day)}
