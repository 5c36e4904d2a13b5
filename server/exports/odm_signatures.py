"""Investigator e-signatures in the ODM 1.3.2 archive (issue 19): ``Signature`` elements referring to a
``SignatureDef`` (one per meaning) and to the signer's ``User`` (with the printed name as FullName).

The newest signature of a visit sits in that visit's StudyEventData, the newest casebook signature in the
SubjectData; earlier ones (superseded after a correction broke them) follow as StudyEventData / SubjectData
elements of TransactionType ``Context`` carrying only their Signature, so the archive keeps every signature.
Whether a signature still holds follows from the archive itself: an AuditRecord later than its DateTimeStamp.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import Connection

from server.storage import signatures as signature_store
from shared.signatures import MEANINGS, VISIT

NS = "http://www.cdisc.org/ns/odm/v1.3"
LEGAL_REASON = ("Electronic signature under 21 CFR Part 11, the legally binding equivalent of the signer's "
                "handwritten signature")


def _t(tag: str) -> str:
    return f"{{{NS}}}{tag}"


class SignatureWriter:
    """The signatures of one export's scope, read once, placed into each SubjectData as it is written."""

    def __init__(self, conn: Connection, site_id: str | None, user_oid: Any) -> None:
        self._by_participant: dict[str, list[dict[str, Any]]] = {}
        for s in signature_store.every_signature(conn, site_id):
            self._by_participant.setdefault(s["participant_id"], []).append(s)
        self._user_oid = user_oid
        self.signers: dict[str, str] = {}      # user key (as in AuditRecords) -> printed name

    def _signature(self, s: dict[str, Any]) -> etree._Element:
        user = f"user:{s['signer']}"
        self.signers[user] = s["printed_name"]
        sig = etree.Element(_t("Signature"), {"ID": f"SIG.{s['signature_id']}"})
        etree.SubElement(sig, _t("UserRef"), {"UserOID": self._user_oid(user)})
        etree.SubElement(sig, _t("LocationRef"), {"LocationOID": f"LOC.{s['site_id']}"})
        etree.SubElement(sig, _t("SignatureRef"), {"SignatureOID": f"SD.{s['meaning']}"})
        etree.SubElement(sig, _t("DateTimeStamp")).text = s["signed_at"]
        return sig

    def subject(self, subj: etree._Element, users: set[str]) -> list[etree._Element]:
        """``subj`` with its newest signatures placed, followed by Context elements for earlier ones."""
        key = subj.get("SubjectKey")
        found = self._by_participant.get(key or "", [])
        newest: dict[str | None, dict[str, Any]] = {}
        for s in found:                               # oldest first: the last one wins
            newest[s["visit_id"] if s["scope"] == VISIT else None] = s
        extra: list[etree._Element] = []
        for s in found:
            users.add(f"user:{s['signer']}")
            where = s["visit_id"] if s["scope"] == VISIT else None
            if where is None and newest[None] is s:
                subj.insert(0, self._signature(s))
                continue
            if where is not None:
                event = subj.find(f"{_t('StudyEventData')}[@StudyEventOID='SE.{where}']")
                if event is not None and newest[where] is s and event.find(_t("Signature")) is None:
                    event.insert(0, self._signature(s))
                    continue
                ev = etree.SubElement(subj, _t("StudyEventData"), {"StudyEventOID": f"SE.{where}",
                                                                   "TransactionType": "Context"})
                ev.append(self._signature(s))
                continue
            holder = etree.Element(_t("SubjectData"), {"SubjectKey": key or "", "TransactionType": "Context"})
            holder.append(self._signature(s))
            extra.append(holder)
        return [subj, *extra]

    def admin(self, admin: etree._Element) -> etree._Element:
        """AdminData with the signers' printed names and one SignatureDef per meaning (after the Locations)."""
        for user in admin.findall(_t("User")):
            name = self.signers.get(user.findtext(_t("LoginName")) or "")
            if name:
                etree.SubElement(user, _t("FullName")).text = name
        for code, texts in MEANINGS.items():
            sd = etree.SubElement(admin, _t("SignatureDef"), {"OID": f"SD.{code}", "Methodology": "Electronic"})
            etree.SubElement(sd, _t("Meaning")).text = texts["en"]
            etree.SubElement(sd, _t("LegalReason")).text = LEGAL_REASON
        return admin
