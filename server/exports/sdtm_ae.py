"""SDTM AE rows: one per adverse event (its current revision), with the MedDRA variables of its coding, and
SUPPAE qualifiers per drug of the participant's arm (AERELn / AEACNn), treatment emergence (AETRTEM), the
SUSAR flag (AESUSAR) and the investigator's confirmation of the causality of the current revision (AECAUSCF).

SDTMIG 3.4 keeps treatment emergence out of the AE domain: AETRTEM is a supplemental qualifier (Appendix C2,
"Treatment Emergent Flag"); TRTEMFL is its ADaM (ADAE) counterpart, not an SDTM variable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.exports.current import ParticipantData
from server.exports.sdtm_files import Supp
from server.exports.sdtm_timing import Timing, site_day
from server.services.ae_causality import Confirmations, confirmation
from server.services.ae_review import AeReview, AeReviewer
from shared.adverse_events import PER_DRUG, per_drug
from shared.pharmacovigilance import TREATMENT_EMERGENT, submission_term
from shared.study.model import Study

SEVERITY = {1: "MILD", 2: "MODERATE", 3: "SEVERE", 4: "SEVERE", 5: "SEVERE"}
CAUSALITY_REL = {"certain": "RELATED", "probable": "PROBABLY RELATED", "possible": "POSSIBLY RELATED",
                 "unlikely": "UNLIKELY RELATED", "conditional": "NOT ASSESSABLE", "unassessable": "NOT ASSESSABLE"}
REL_ORDER = ["RELATED", "PROBABLY RELATED", "POSSIBLY RELATED", "NOT ASSESSABLE", "UNLIKELY RELATED",
             "NOT RELATED"]
ACTION = {"none": "DOSE NOT CHANGED", "reduced": "DOSE REDUCED", "interrupted": "DRUG INTERRUPTED",
          "withdrawn": "DRUG WITHDRAWN", "not_applicable": "NOT APPLICABLE"}
OUTCOME = {"recovered": "RECOVERED/RESOLVED", "recovering": "RECOVERING/RESOLVING",
           "not_recovered": "NOT RECOVERED/NOT RESOLVED", "recovered_with_sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
           "fatal": "FATAL", "unknown": "UNKNOWN"}
SERIOUS_FLAGS = {"AESDTH": "death", "AESLIFE": "life_threatening", "AESHOSP": "hospitalisation",
                 "AESDISAB": "disability", "AESCONG": "congenital_anomaly", "AESMIE": "medically_important"}

def _study_treatments(study: Study) -> list[tuple[str, str]]:
    """Every study drug once (drug id, treatment name), in the order of the study file's arms."""
    seen: dict[str, str] = {}
    for arm in study.arms:
        for t in arm.treatments:
            seen.setdefault(t.drug, t.name)
    return list(seen.items())


def ae_row(rec: dict[str, Any], drugs: list[tuple[int, str, str]], review: AeReview | None = None,
           confirmed: bool = False) -> dict[str, Any]:
    """The SDTM AE values of one adverse-event record (without identifiers and sequence).

    ``drugs`` are the (number, drug id, treatment name) of the participant's arm: AEREL is the strongest
    causality and AEACN the action over those drugs only; each drug's causality and action are kept in
    SUPPAE (QNAM AERELn / AEACNn, n = the drug's number in the study file); ``confirmed``: an investigator
    confirmed the causality of this revision (SUPPAE AECAUSCF Y, no row otherwise). Either AE body form is read
    (causality/action objects keyed by drug, or the first release's flat per-drug fields).
    """
    d = {**rec["data"], **{f"{kind}_{drug}": per_drug(rec["data"], kind, drug)
                           for kind in PER_DRUG for _n, drug, _t in drugs}}
    rels = [CAUSALITY_REL[d.get(f"causality_{drug}")] for _n, drug, _t in drugs
            if d.get(f"causality_{drug}") in CAUSALITY_REL]
    actions = {ACTION[d.get(f"action_{drug}")] for _n, drug, _t in drugs
               if d.get(f"action_{drug}") in ACTION and d.get(f"action_{drug}") != "not_applicable"}
    supp = []
    for n, drug, name in drugs:
        if d.get(f"causality_{drug}") in CAUSALITY_REL:
            supp.append(Supp(f"AEREL{n}", f"Causality to {name}"[:40], CAUSALITY_REL[d[f"causality_{drug}"]]))
        if d.get(f"action_{drug}") in ACTION:
            supp.append(Supp(f"AEACN{n}", f"Action Taken with {name}"[:40], ACTION[d[f"action_{drug}"]]))
    criteria = d.get("serious_criteria") or []
    if review is not None:
        if review.emergence is not None:
            supp.append(Supp("AETRTEM", "Treatment Emergent Flag", _yn(review.emergence == TREATMENT_EMERGENT),
                             "Derived"))
        supp.append(Supp("AESUSAR", "Suspected Unexpected Serious Adv Reactn", _yn(review.susar), "Derived"))
    if confirmed:
        supp.append(Supp(CONFIRMED_QNAM, "Causality Confirmed by Investigator", "Y", "CRF", "INVESTIGATOR"))
    notes = []
    if review is not None and review.missing_translation:
        notes.append(("AETERM", MISSING_TRANSLATION, d["term"], ""))
    if review is None or review.coding is None:     # AEDECOD is Req (SDTMIG 3.4): its absence is reported
        notes.append(("AEDECOD", NOT_CODED, d["term"], ""))
    row = {"_notes": notes, "AESPID": rec["record_id"], "AETERM": submission_term(d), **_coded(review),
           "AESEV": SEVERITY[d["grade"]], "AETOXGR": str(d["grade"]), "AESER": _yn(bool(d.get("serious"))),
           "AEREL": min(rels, key=REL_ORDER.index) if rels else "NOT RELATED",
           "AEACN": actions.pop() if len(actions) == 1 else ("MULTIPLE" if actions else "NOT APPLICABLE"),
           "AEOUT": OUTCOME.get(d.get("outcome"), "UNKNOWN"), "AEDTC": rec["collected_at"][:10],
           "AESTDTC": d.get("onset_date"), "AEENDTC": d.get("end_date"), "_supp": supp}
    row.update({flag: _yn(c in criteria) for flag, c in SERIOUS_FLAGS.items()})
    return row


CONFIRMED_QNAM = "AECAUSCF"
NOT_CODED = "not MedDRA-coded (AEDECOD empty: code it on the coding page)"
MISSING_TRANSLATION = "missing English translation (give it on the coding page or in nurse mode)"


def _coded(review: AeReview | None) -> dict[str, Any]:
    """The MedDRA variables of an AE: all empty when it is not coded (never the verbatim term)."""
    c = review.coding if review is not None else None
    if c is None:
        return {"AEDECOD": None}
    return {"AELLT": c["llt_name"], "AELLTCD": c["llt_code"], "AEDECOD": c["pt_name"], "AEPTCD": c["pt_code"],
            "AEHLT": c["hlt_name"], "AEHLTCD": c["hlt_code"], "AEHLGT": c["hlgt_name"], "AEHLGTCD": c["hlgt_code"],
            "AEBODSYS": c["soc_name"], "AEBDSYCD": c["soc_code"], "AESOC": c["soc_name"], "AESOCCD": c["soc_code"]}


def ae_rows(study: Study, pd: ParticipantData, t: Timing, reviewer: AeReviewer | None = None,
            confirmations: Confirmations | None = None) -> Iterator[dict[str, Any]]:
    """The AE rows of one participant (``reviewer``: coding, emergence, SUSAR; without it those stay empty;
    ``confirmations``: the export's one read of the causality confirmations, else each AE's is looked up)."""
    arm_drugs = study.arm(pd.participant["arm"]).drugs
    drugs = [(n, drug, name) for n, (drug, name) in enumerate(_study_treatments(study), start=1)
             if drug in arm_drugs]
    for rec in pd.records:
        if rec["kind"] == "adverse_event":
            review = reviewer.review(rec, pd.participant["arm"]) if reviewer is not None else None
            confirmed = reviewer is not None and (confirmations.of(rec) if confirmations is not None
                                                  else confirmation(reviewer.conn, rec)) is not None
            row = ae_row(rec, drugs, review, confirmed)
            row["AEDTC"] = site_day(rec["collected_at"], study, rec.get("site_id"))   # the site's day of the report
            row.update({"EPOCH": t.epoch(row["AESTDTC"]), "AEDY": t.study_day(row["AEDTC"]),
                        "AESTDY": t.study_day(row["AESTDTC"]), "AEENDY": t.study_day(row["AEENDTC"])})
            yield row


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"
