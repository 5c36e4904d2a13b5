"""CDISC ODM 1.3.2 XML: the study's metadata from the study file and instruments, and its clinical data.

``Study/MetaDataVersion`` is generated (StudyEventDef per visit plus one for adverse events,
FormDef/ItemGroupDef per instrument, ItemDef per item and score, CodeList per choice item).
``ClinicalData`` nests SubjectData > StudyEventData > FormData > ItemGroupData > ItemData; every
FormData carries the AuditRecord of the stored revision (who entered it, at which site, when the
server received it and, for a correction, the reason). Subjects are written one at a time with
``lxml.etree.xmlfile`` into a part file that is then appended after Study and AdminData (which must
come first but list every user seen), so memory holds one participant at a time.

The parts: ``odm_xml.py`` (namespace, element factory, OIDs, values), ``odm_metadata.py`` (Study/MetaDataVersion,
AdminData), ``odm_subjects.py`` (SubjectData); annotations of issues 17-19 in ``odm_pharmacovigilance.py``,
``odm_queries.py``, ``odm_signatures.py``; clinical-record and course forms in ``odm_clinical_record.py`` and
``odm_course.py``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from lxml import etree
from sqlalchemy import Connection

from server.exports.current import ALL, ExportScope, participants_with_data
from server.exports.odm_metadata import admin_data, study_metadata
from server.exports.odm_pharmacovigilance import PvAnnotator
from server.exports.odm_pharmacovigilance import add_codelists as add_pv_codelists
from server.exports.odm_queries import QueryAnnotator, add_codelists
from server.exports.odm_signatures import SignatureWriter
from server.exports.odm_subjects import subject_data
from server.exports.odm_xml import MDV, NS, NSMAP, el, user_oid
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
        with etree.xmlfile(part, encoding="utf-8") as xf:
            with xf.element(f"{{{NS}}}ClinicalData", {"StudyOID": study.study.id, "MetaDataVersionOID": MDV},
                            nsmap=NSMAP):
                for pdata in participants_with_data(conn, scope, every_revision=True, screened=True):
                    subj = reviewed.annotate(subject_data(study, pdata, users), pdata)
                    for element in signed.subject(annotated.annotate(subj), users):
                        xf.write(element)
                    subjects += 1
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
