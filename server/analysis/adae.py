"""ADAE: one record per adverse event (its current revision), in the order of SDTM AE (AESEQ is the same).

- AEDECOD/AEBODSYS (and their codes) from the MedDRA coding (``AeReviewer``: a data manager's, else the exact
  match), empty when not coded; AETERM the submission term (the English translation where one is needed).
- TRTEMFL "Y" when ``shared.pharmacovigilance.treatment_emergence`` says treatment-emergent (onset on or after
  the first dose, ADSL TRTSDT: the same first-dose rule every page uses), else "".
- Per drug n of the study file's ``[[drugs]]`` (1, 2, …): AREL<n> the recorded causality (CDISC term, "" when
  none was recorded), AREL<n>FL "Y" when related (certain, probable, possible) to a drug of the participant's
  arm, AEXP<n> "Y"/"N" whether the study file lists the event as expected for that drug (arm drugs only).
  ARELFL "Y" when related to any drug of the arm; ARELINC "Y" when a causality was recorded for a drug the arm
  does not receive (an inconsistent entry the report flags). AESUSAR "Y"/"N".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from server.analysis.bds import study_day
from server.exports.current import ParticipantData
from server.exports.sdtm_ae import CAUSALITY_REL, OUTCOME, SEVERITY
from server.services.ae_review import AeReviewer
from shared.adverse_events import per_drug
from shared.pharmacovigilance import TREATMENT_EMERGENT, is_related, submission_term, treatment_emergence
from shared.study.model import Study


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def drug_variables(study: Study) -> list[tuple[int, str, str]]:
    """(n, drug id, drug name) of every study drug: the n of AREL<n>, AREL<n>FL and AEXP<n>."""
    return [(n, d.id, d.name) for n, d in enumerate(study.drugs, start=1)]


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def adae_rows(study: Study, pd: ParticipantData, subject: dict[str, Any], reviewer: AeReviewer, *,
              first_dose: date | None) -> list[dict[str, Any]]:
    """The ADAE rows of one participant (``subject``: the ADSL variables copied onto each row)."""
    arm = pd.participant["arm"]
    arm_drugs = study.arm(arm).drugs
    out = []
    events = [r for r in pd.records if r["kind"] == "adverse_event"]
    for seq, rec in enumerate(events, start=1):
        d = rec["data"]
        review = reviewer.review(rec, arm)
        coding = review.coding or {}
        start, end = _day(d.get("onset_date")), _day(d.get("end_date"))
        criteria = d.get("serious_criteria") or []
        row: dict[str, Any] = {
            **subject, "AESEQ": seq, "AESPID": rec["record_id"], "AETERM": submission_term(d),
            "AEDECOD": coding.get("pt_name") or "", "AEPTCD": coding.get("pt_code"),
            "AEBODSYS": coding.get("soc_name") or "", "AEBDSYCD": coding.get("soc_code"),
            "ASTDT": start, "AENDT": end, "ASTDY": study_day(start, first_dose), "AENDY": study_day(end, first_dose),
            "TRTEMFL": "Y" if treatment_emergence(d, first_dose) == TREATMENT_EMERGENT else "",
            "AESEV": SEVERITY.get(d.get("grade"), ""), "AETOXGR": str(d.get("grade") or ""),
            "ATOXGR": str(d.get("grade") or ""), "ATOXGRN": d.get("grade"),
            "AESER": _yn(d.get("serious") is True), "AESDTH": _yn("death" in criteria),
            "AOUT": OUTCOME.get(d.get("outcome"), "UNKNOWN"), "AESUSAR": _yn(review.susar)}
        related_any = inconsistent = False
        for n, drug, _name in drug_variables(study):
            causality = per_drug(d, "causality", drug)
            in_arm = drug in arm_drugs
            related = in_arm and is_related(d, drug)
            row[f"AREL{n}"] = CAUSALITY_REL.get(causality, "") if isinstance(causality, str) else ""
            row[f"AREL{n}FL"] = "Y" if related else ""
            row[f"AEXP{n}"] = _yn(review.expected[drug]) if drug in review.expected else ""
            related_any = related_any or related
            inconsistent = inconsistent or (not in_arm and causality not in (None, "", "not_applicable"))
        row["ARELFL"] = "Y" if related_any else ""
        row["ARELINC"] = "Y" if inconsistent else ""
        out.append(row)
    return out
