"""CDISC ODM 1.3.2 XML: the study's metadata from the study file and instruments, and its clinical data.

``Study/MetaDataVersion`` is generated (StudyEventDef per visit plus one for adverse events,
FormDef/ItemGroupDef per instrument, ItemDef per item and score, CodeList per choice item).
``ClinicalData`` nests SubjectData > StudyEventData > FormData > ItemGroupData > ItemData; every
FormData carries the AuditRecord of the stored revision (who entered it, at which site, when the
server received it and, for a correction, the reason). Subjects are written one at a time, as XML text (the
innermost loop of the export: building lxml trees cost most of its time), into a part file that is then appended
after Study and AdminData (built with lxml; they must come first but list every user seen), so memory holds one
participant at a time. The text is escaped as libxml2 escapes it, so the bytes are the ones lxml wrote.

The parts: ``odm_xml.py`` (namespace, element factory, OIDs, values), ``odm_metadata.py`` (Study/MetaDataVersion,
AdminData), ``odm_subjects.py`` (SubjectData); annotations of issues 17-19 in ``odm_pharmacovigilance.py``,
``odm_queries.py``, ``odm_signatures.py``; clinical-record and course forms in ``odm_clinical_record.py`` and
``odm_course.py``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Connection

from server.exports.current import ALL, ExportScope, ParticipantData, participants_with_data
from server.exports.odm_metadata import admin_data, study_metadata
from server.exports.odm_pharmacovigilance import PvAnnotator
from server.exports.odm_pharmacovigilance import add_codelists as add_pv_codelists
from server.exports.odm_queries import QueryAnnotator, add_codelists
from server.exports.odm_signatures import SignatureWriter
from server.exports.odm_subjects import subject_data
from server.exports.odm_xml import MDV, NS, XML_REFUSAL, attr, el, not_xml, user_oid
from shared.errors import ExportCharacterNotXml
from shared.records import utc_now
from shared.study.model import Study

FILE_NAME = "study.odm.xml"


def export_odm(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write ``study.odm.xml`` (a Transactional archive: every revision) into ``out_dir``; returns SubjectData."""
    out_dir.mkdir(parents=True, exist_ok=True)
    users: set[str] = set()
    subjects = 0
    signed = SignatureWriter(conn, scope.site_id, user_oid)
    annotated = QueryAnnotator(conn, scope.site_id)   # issue 19: query threads and SDV as Annotations
    reviewed = PvAnnotator(conn, study, scope.site_id)   # issue 17: MedDRA, emergence, SUSAR, SAE report mark
    with tempfile.TemporaryFile(dir=out_dir) as part:
        part.write(f'<ClinicalData xmlns="{NS}" StudyOID="{attr(study.study.id)}" MetaDataVersionOID="{MDV}">'
                   .encode())
        for pdata in participants_with_data(conn, scope, every_revision=True, screened=True):
            newest_ae = reviewed.for_subject(pdata)

            def notes(record_id: str, revision: int, newest: dict[str, Any] = newest_ae) -> tuple[list[str], list[Any]]:
                head, steps = annotated.notes(record_id, revision)
                ae = newest.get(record_id)
                return ([reviewed.note(ae), *head] if ae is not None and ae["revision"] == revision else head), steps

            pid = pdata.participant["participant_id"]
            signatures = signed.subject(pid, users)
            try:
                part.write((subject_data(study, pdata, users, notes, signatures) + signatures.extra()).encode())
            except ValueError as exc:   # odm_xml.attr / escaped_text: a character XML 1.0 cannot carry
                if not str(exc).startswith(XML_REFUSAL):
                    raise
                raise _not_xml(pdata) from exc
            subjects += 1
        part.write(b"</ClinicalData>")
        part.seek(0)
        with open(out_dir / FILE_NAME, "wb") as out:
            root = el(None, "ODM", {"FileType": "Transactional", "FileOID": f"{study.study.id}.{utc_now()}",
                                    "CreationDateTime": utc_now(), "ODMVersion": "1.3.2",
                                    "Originator": "trialpro", "SourceSystem": "trialpro"})
            opening = etree.tostring(root, encoding="unicode").replace("/>", ">")
            out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n' + opening.encode() + b"\n")
            metadata = study_metadata(study)
            add_codelists(metadata.find(f"{{{NS}}}MetaDataVersion"))
            add_pv_codelists(metadata.find(f"{{{NS}}}MetaDataVersion"))
            out.write(etree.tostring(metadata, encoding="utf-8") + b"\n")
            out.write(etree.tostring(signed.admin(admin_data(study, users)), encoding="utf-8") + b"\n")
            shutil.copyfileobj(part, out)
            out.write(b"\n</ODM>\n")
    return {FILE_NAME: subjects}


def _not_xml(pdata: ParticipantData) -> ExportCharacterNotXml:
    """The refusal naming the participant's value that XML cannot carry (a record's field, else where it is)."""
    pid = pdata.participant["participant_id"]
    where, hit = "a query, SDV note or signature of theirs", None
    for rec in pdata.records:
        if (hit := not_xml(rec)) is not None:
            where = f"record {rec.get('record_id')} revision {rec.get('revision')}, field {hit[0]}"
            break
    else:
        for name, value in (("lab result", pdata.labs), ("participant", pdata.participant)):
            if (hit := not_xml(value)) is not None:
                where = f"{name} field {hit[0]}"
                break
    char = f"U+{ord(hit[1]):04X}" if hit else "a character"
    return ExportCharacterNotXml(
        f"The ODM export stopped at participant {pid}: {where} holds {char}, a control character XML 1.0 cannot "
        "carry; nothing was written. Correct it (a new revision without it), then export again.",
        details={"participant_id": pid, "where": where, "character": char})
