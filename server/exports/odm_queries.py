"""Data queries and SDV in the ODM 1.3.2 archive (issue 19): ``Annotation`` elements with ``Comment`` and ``Flag``.

Each step of a query's thread (raise, answer, close, re-open) is one Annotation on the ItemData of the field it
questions, in the FormData of the revision it was raised on (on the ItemGroupData when that field holds no
value): the Comment carries who, when and what (``SponsorOrSite`` Sponsor for the monitor, data manager and
rules, Site for the site's answers), the Flag the query's state after the step (codelist ``CL.QUERY_STATE``,
flag type ``QUERY`` of ``CL.ANNOTATION_TYPE``). A monitor's SDV mark is an Annotation on the ItemGroupData of
the verified revision with the flag ``VERIFIED`` (``CL.SDV_STATUS``, flag type ``SDV``).
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from sqlalchemy import Connection

from server.exports.odm_xml import escaped_text
from server.storage import queries as query_store
from shared.queries import ANSWER, STATES, TRANSITIONS

NS = "http://www.cdisc.org/ns/odm/v1.3"
STATE_LIST, TYPE_LIST, SDV_LIST = "CL.QUERY_STATE", "CL.ANNOTATION_TYPE", "CL.SDV_STATUS"
CODELISTS = {STATE_LIST: ("Data query state", STATES), TYPE_LIST: ("Annotation type", ("QUERY", "SDV")),
             SDV_LIST: ("Source data verification", ("VERIFIED",))}


def _t(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def add_codelists(mdv: etree._Element) -> None:
    """The codelists the annotations' flags refer to, after the MetaDataVersion's ItemDefs and CodeLists."""
    last = max((i for i, c in enumerate(mdv) if c.tag in (_t("ItemDef"), _t("CodeList"))), default=len(mdv) - 1)
    for n, (oid, (name, codes)) in enumerate(CODELISTS.items(), start=1):
        cl = etree.Element(_t("CodeList"), {"OID": oid, "Name": name, "DataType": "text"})
        for code in codes:
            decode = etree.SubElement(etree.SubElement(cl, _t("CodeListItem"), {"CodedValue": code}), _t("Decode"))
            etree.SubElement(decode, _t("TranslatedText"), {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
                             ).text = code.replace("_", " ").lower()
        mdv.insert(last + n, cl)


class QueryAnnotator:
    """The queries and SDV marks of one export's scope, read once, handed to each revision as it is written."""

    def __init__(self, conn: Connection, site_id: str | None) -> None:
        rows = list(query_store.every_query(conn, site_id))
        threads = query_store.messages_of(conn, [r.query_id for r in rows])
        self._queries: dict[tuple[str, int], list[tuple[Any, list[Any]]]] = {}
        for r in rows:
            if r.target == "record":
                self._queries.setdefault((r.target_id, r.revision), []).append((r, threads[r.query_id]))
        self._sdv = {(m.record_id, m.revision): m for m in query_store.every_sdv_mark(conn)}
        self._seq = 0

    def notes(self, record_id: str, revision: int) -> tuple[list[str], list[tuple[str, str]]]:
        """The Annotations of one revision as XML text, in document order: the SDV mark (on the ItemGroupData),
        then every query step as (field, Annotation) for the ItemData of the field it questions."""
        key = (record_id, revision)
        if key not in self._sdv and key not in self._queries:
            return [], []
        mark = self._sdv.get(key)
        head: list[str] = []
        if mark is not None:
            head.append(self._annotation(
                "Sponsor", f"source data verified by {mark.verified_by} at {mark.verified_at} "
                f"(content {mark.content_hash})", SDV_LIST, "VERIFIED", "SDV"))
        steps: list[tuple[str, str]] = []
        for q, thread in self._queries.get(key, []):
            state = "open"
            for m in thread:
                state = TRANSITIONS[m.action][1] if m.action in TRANSITIONS and not (
                    m.action == ANSWER and state == "closed") else state
                text = (f"query {q.query_id} on {q.field} (value {json.loads(q.value or 'null')!r}), "
                        f"{m.action} by {m.author} at {m.at}: {m.text}")
                steps.append((q.field, self._annotation("Site" if m.action == ANSWER else "Sponsor", text,
                                                        STATE_LIST, state, "QUERY")))
        return head, steps

    def _annotation(self, who: str, comment: str, values: str, value: str, kind: str) -> str:
        self._seq += 1
        return (f'<Annotation SeqNum="{self._seq}" TransactionType="Insert">'
                f'<Comment SponsorOrSite="{who}">{escaped_text(comment)}</Comment><Flag>'
                f'<FlagValue CodeListOID="{values}">{escaped_text(value)}</FlagValue>'
                f'<FlagType CodeListOID="{TYPE_LIST}">{kind}</FlagType></Flag></Annotation>')
