"""Issue 17's derived facts in the ODM 1.3.2 archive: on the newest revision of each AE, one ``Annotation`` whose
Comment carries the MedDRA coding (LLT, PT, primary SOC and how it was coded), treatment emergence, the SUSAR
drugs, the SAE report due and reported and the investigator's causality confirmation, and whose Flags say the
same as codes (``CL.PV_FLAG``, flag type ``PHARMACOVIGILANCE`` of ``CL.PV_ANNOTATION_TYPE``). The entered
fields themselves are the AE form's items, every revision with its audit record.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import Connection

from server.exports.current import ParticipantData
from server.exports.odm_xml import escaped_text
from server.services.ae_causality import confirmation
from server.services.ae_review import AeReview, AeReviewer
from server.storage import participants as participant_store
from shared import pharmacovigilance as pv
from shared.study.model import Study

NS = "http://www.cdisc.org/ns/odm/v1.3"
FLAG_LIST, TYPE_LIST, KIND = "CL.PV_FLAG", "CL.PV_ANNOTATION_TYPE", "PHARMACOVIGILANCE"
FLAGS = ("SUSAR", "TREATMENT_EMERGENT", "PRE_TREATMENT", "MEDDRA_CODED", "NOT_MEDDRA_CODED",
         "SAE_AWAITING_REPORT", "SAE_REPORTED", "CAUSALITY_CONFIRMED", "TRANSLATION_MISSING")
CODELISTS = {FLAG_LIST: ("Pharmacovigilance flag", FLAGS), TYPE_LIST: ("Pharmacovigilance annotation", (KIND,))}


def _t(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def add_codelists(mdv: etree._Element) -> None:
    """The codelists of the flags, after the MetaDataVersion's ItemDefs and CodeLists."""
    last = max((i for i, c in enumerate(mdv) if c.tag in (_t("ItemDef"), _t("CodeList"))), default=len(mdv) - 1)
    for n, (oid, (name, codes)) in enumerate(CODELISTS.items(), start=1):
        cl = etree.Element(_t("CodeList"), {"OID": oid, "Name": name, "DataType": "text"})
        for code in codes:
            decode = etree.SubElement(etree.SubElement(cl, _t("CodeListItem"), {"CodedValue": code}), _t("Decode"))
            etree.SubElement(decode, _t("TranslatedText"), {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
                             ).text = code.replace("_", " ").lower()
        mdv.insert(last + n, cl)


def _facts(review: AeReview, confirmed: dict[str, Any] | None) -> tuple[str, list[str]]:
    c = review.coding
    words = [f"MedDRA LLT {c['llt_code']} {c['llt_name']}, PT {c['pt_code']} {c['pt_name']}, SOC {c['soc_code']} "
             f"{c['soc_name']} ({c['method']})" if c else "not MedDRA-coded",
             f"treatment emergence: {review.emergence or 'unknown'} (first dose {review.first_dose or 'none'})",
             f"SUSAR: {', '.join(review.susar_drugs) or 'no'}"]
    flags = ["MEDDRA_CODED" if c else "NOT_MEDDRA_CODED"]
    if review.emergence == pv.TREATMENT_EMERGENT:
        flags.append("TREATMENT_EMERGENT")
    elif review.emergence == pv.PRE_TREATMENT:
        flags.append("PRE_TREATMENT")
    if review.susar:
        flags.append("SUSAR")
    if review.serious:
        words.append(f"SAE report due {review.deadline.isoformat() if review.deadline else 'unknown'}, "
                     + (f"reported {review.report['reported_at']} ({review.report['reference']})" if review.report
                        else "awaiting report"))
        flags.append("SAE_REPORTED" if review.report else "SAE_AWAITING_REPORT")
    words.append(f"causality confirmed by {confirmed['by']} at {confirmed['at']}" if confirmed
                 else "causality not confirmed by an investigator")
    if confirmed:
        flags.append("CAUSALITY_CONFIRMED")
    if review.missing_translation:
        flags.append("TRANSLATION_MISSING")
    return "; ".join(words), flags


class PvAnnotator:
    """The pharmacovigilance review of each AE of one export, noted on its newest revision as it is written."""

    def __init__(self, conn: Connection, study: Study, site_id: str | None) -> None:
        self.conn, self.reviewer, self._seq = conn, AeReviewer(conn, study, site_id=site_id), 0
        self._arm: str | None = None

    def for_subject(self, pdata: ParticipantData) -> dict[str, dict[str, Any]]:
        """The newest revision of each of the participant's AEs, by record id (what ``note`` annotates)."""
        newest: dict[str, dict[str, Any]] = {}
        for rec in pdata.records:
            if rec["kind"] == "adverse_event" and rec["revision"] >= newest.get(rec["record_id"], rec)["revision"]:
                newest[rec["record_id"]] = rec
        self._arm = participant_store.arm_of(self.conn, pdata.participant["participant_id"]) if newest else None
        return newest

    def note(self, rec: dict[str, Any]) -> str:
        """The Annotation (XML text) of the newest revision ``rec`` of an AE: its review as Comment and Flags."""
        comment, flags = _facts(self.reviewer.review(rec, self._arm), confirmation(self.conn, rec))
        self._seq += 1
        return (f'<Annotation SeqNum="{self._seq}" TransactionType="Insert">'
                f'<Comment SponsorOrSite="Sponsor">{escaped_text(comment)}</Comment>'
                + "".join(f'<Flag><FlagValue CodeListOID="{FLAG_LIST}">{code}</FlagValue>'
                          f'<FlagType CodeListOID="{TYPE_LIST}">{KIND}</FlagType></Flag>' for code in flags)
                + "</Annotation>")
