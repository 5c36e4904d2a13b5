"""Bring-your-own MedDRA on the server: import a licensed release from its ASCII files (replacing the previous
one, audited), code an AE by hand, and add the English translation of a Chinese verbatim term (a correction).

Auto-coding needs no stored row: ``server.services.ae_review`` codes by exact match whenever it reads an AE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from server.services.audit import AuditEntry, append
from server.services.corrections import correct_record
from server.storage import ae_reviews
from server.storage import meddra as meddra_store
from server.storage import records as record_store
from shared.errors import CodingRefused, FieldProblem, InvalidInput, MeddraFilesInvalid, NotFound
from shared.meddra import LINK_FILES, RELEASE_FILE, REQUIRED_FILES, parse_release
from shared.records import utc_now
from shared.study.model import Study
from shared.values import ascii_digits

SYNTHETIC_DICTIONARY = Path(__file__).resolve().parent / "synthetic_meddra"   # NOT MedDRA: tests and demo only
TRANSLATION_REASON = "English translation of the verbatim term added by the data manager"


@dataclass(frozen=True)
class ImportSummary:
    version: str
    language: str
    llts: int
    pts: int


def read_release_files(folder: Path) -> dict[str, list[str]]:
    """The MedDRA ASCII files of ``folder`` (file names in any case), as lines. Raises MeddraFilesInvalid."""
    if not folder.is_dir():
        raise MeddraFilesInvalid([FieldProblem("folder", str(folder), "a folder holding the MedDRA ASCII files",
                                               f"{folder}: is not a folder (give the release's MedAscii folder)")])
    wanted = {n: n for n in (*REQUIRED_FILES, *LINK_FILES, RELEASE_FILE)}
    files: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        name = wanted.get(path.name.lower())
        if name is None or not path.is_file():
            continue
        try:
            files[name] = path.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError as exc:
            raise MeddraFilesInvalid([FieldProblem(path.name, None, "UTF-8 (or ASCII) text",
                                                   f"{path.name}: is not UTF-8 text ({exc.reason} at byte "
                                                   f"{exc.start})")]) from None
    return files


def import_release(conn: Connection, folder: Path, *, actor: str) -> ImportSummary:
    """Replace the stored dictionary with the release in ``folder`` (all or nothing), audited ``meddra.import``."""
    release = parse_release(read_release_files(folder))
    before = meddra_store.release(conn)
    meddra_store.replace_release(conn, release, imported_at=utc_now(), imported_by=actor)
    append(conn, AuditEntry(actor=actor, action="meddra.import", entity_type="meddra", entity_id=release.version,
                            old={"version": before["version"]} if before else None,
                            new={"version": release.version, "language": release.language,
                                 "llts": len(release.llts), "pts": len(release.pts)}))
    return ImportSummary(release.version, release.language, len(release.llts), len(release.pts))


def _adverse_event(conn: Connection, record_id: str, sites: list[str] | None) -> dict[str, Any]:
    row = record_store.newest(conn, record_id) if isinstance(record_id, str) else None
    body = json.loads(row.body) if row else None
    if body is None or (sites is not None and body["site_id"] not in sites):
        raise NotFound(f"No record {record_id!r} at your site(s).")
    if body["kind"] != "adverse_event":
        raise CodingRefused(f"Record {record_id} is not an adverse event; only adverse events are coded.")
    return body


def code_adverse_event(conn: Connection, record_id: str, llt_code: Any, *, actor: str,
                       sites: list[str] | None = None) -> dict[str, Any]:
    """Code one AE to the lowest level term ``llt_code`` (a data manager's choice over the auto-coding),
    audited ``ae.code`` with the previous coding. Raises CodingRefused or NotFound."""
    body = _adverse_event(conn, record_id, sites)
    if meddra_store.release(conn) is None:
        raise CodingRefused("No MedDRA release is imported: run `trialpro-server meddra import DIR` first.")
    if isinstance(llt_code, str) and ascii_digits(llt_code.strip()):
        llt_code = int(llt_code.strip())
    if not isinstance(llt_code, int) or isinstance(llt_code, bool):
        raise InvalidInput(f"llt_code: {llt_code!r} is not a MedDRA lowest level term code (8 digits).")
    found = meddra_store.by_codes(conn, [llt_code]).get(llt_code)
    if found is None:
        raise CodingRefused(f"llt_code: {llt_code} is not a lowest level term of the imported MedDRA release.")
    old = ae_reviews.codings(conn, [record_id]).get(record_id)
    ae_reviews.set_coding(conn, record_id, llt_code, coded_by=actor, coded_at=utc_now())
    append(conn, AuditEntry(actor=actor, action="ae.code", entity_type="record", entity_id=record_id,
                            old={"llt_code": old["llt_code"]} if old else None,
                            new={"llt_code": llt_code, "llt_name": found["llt_name"], "pt_code": found["pt_code"],
                                 "term": body["data"].get("term")}))
    return found


def add_translation(conn: Connection, study: Study, record_id: str, term_en: Any, *, actor: str,
                    sites: list[str] | None = None) -> dict[str, Any]:
    """Give an AE's verbatim term its English translation: a correction (new revision, reason stated, sent to
    the site's kiosks, audited) validated like any other. Raises RecordInvalid, NotFound or CodingRefused."""
    body = _adverse_event(conn, record_id, sites)
    if not isinstance(term_en, str) or not term_en.strip():
        raise InvalidInput("term_en: give the English translation of the verbatim term.")
    return correct_record(conn, study, record_id, {**body["data"], "term_en": term_en.strip()},
                          TRANSLATION_REASON, actor)
