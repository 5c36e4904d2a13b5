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

from server.exports.odm_xml import NS, attr, text_element
from server.storage import signatures as signature_store
from shared.signatures import MEANINGS, VISIT

LEGAL_REASON = ("Electronic signature under 21 CFR Part 11, the legally binding equivalent of the signer's "
                "handwritten signature")


def _t(tag: str) -> str:
    return f"{{{NS}}}{tag}"


class SubjectSignatures:
    """One participant's signatures as XML text: the newest casebook one (``head``, first in the SubjectData),
    the newest of each visit (in the first StudyEventData of that visit), then the rest as Context elements."""

    def __init__(self, key: str, found: list[tuple[dict[str, Any], str]], context: list[str]) -> None:
        self.key, self._found, self._context = key, found, context
        newest: dict[str | None, dict[str, Any]] = {}
        for s, _xml in found:                         # oldest first: the last one wins
            newest[s["visit_id"] if s["scope"] == VISIT else None] = s
        self._newest, self._placed = newest, set[int]()
        book = newest.get(None)
        self.head = next((xml for s, xml in found if s is book), "")
        if book is not None:
            self._placed.add(id(book))
        self._visits = {f"SE.{where}": s for where, s in newest.items() if where is not None}

    def in_event(self, oid: str) -> str:
        """The newest signature of this visit when this is the visit's first StudyEventData, else ''."""
        s = self._visits.pop(oid, None)
        if s is None:
            return ""
        self._placed.add(id(s))
        return next(xml for f, xml in self._found if f is s)

    def tail(self) -> str:
        """Context StudyEventData for every visit signature not placed (superseded, or its visit not written)."""
        return "".join(f'<StudyEventData StudyEventOID="{attr("SE." + s["visit_id"])}" TransactionType="Context">'
                       f"{xml}</StudyEventData>" for s, xml in self._found
                       if s["scope"] == VISIT and id(s) not in self._placed)

    def extra(self) -> str:
        """Context SubjectData for each superseded casebook signature (after the participant's SubjectData)."""
        return "".join(f'<ns0:SubjectData xmlns:ns0="{NS}" SubjectKey="{attr(self.key)}" TransactionType="Context">'
                       f"{xml}</ns0:SubjectData>" for (s, _x), xml in zip(self._found, self._context, strict=True)
                       if s["scope"] != VISIT and id(s) not in self._placed)


class SignatureWriter:
    """The signatures of one export's scope, read once, placed into each SubjectData as it is written."""

    def __init__(self, conn: Connection, site_id: str | None, user_oid: Any) -> None:
        self._by_participant: dict[str, list[dict[str, Any]]] = {}
        for s in signature_store.every_signature(conn, site_id):
            self._by_participant.setdefault(s["participant_id"], []).append(s)
        self._user_oid = user_oid
        self.signers: dict[str, str] = {}      # user key (as in AuditRecords) -> printed name

    def _signature(self, s: dict[str, Any], ns: str = "") -> str:
        """The Signature element as text; ``ns`` the prefix lxml gave a Context SubjectData's elements (``ns0:``)."""
        user = f"user:{s['signer']}"
        sig, ref, loc = attr("SIG." + s["signature_id"]), attr("SD." + s["meaning"]), attr("LOC." + s["site_id"])
        return (f'<{ns}Signature ID="{sig}"><{ns}UserRef UserOID="{attr(self._user_oid(user))}"/>'
                f'<{ns}LocationRef LocationOID="{loc}"/><{ns}SignatureRef SignatureOID="{ref}"/>'
                f'{text_element(ns + "DateTimeStamp", s["signed_at"])}</{ns}Signature>')

    def subject(self, key: str, users: set[str]) -> SubjectSignatures:
        """The signatures of participant ``key``; adds their signers to ``users``."""
        found = self._by_participant.get(key or "", [])
        for s in found:
            users.add(f"user:{s['signer']}")
            self.signers[f"user:{s['signer']}"] = s["printed_name"]
        return SubjectSignatures(key, [(s, self._signature(s)) for s in found],
                                 [self._signature(s, "ns0:") if s["scope"] != VISIT else "" for s in found])

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
