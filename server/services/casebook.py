"""Casebooks (issue 19, point 4): one PDF per participant with every record (current values and every
revision), AEs, labs, queries, SDV, signatures with their manifestation and the participant's audit trail.

Every casebook of one run is read in ONE ``reading()`` snapshot, so the books agree with each other and with
the audit trail at that instant; the ``export.casebook`` audit entry is appended once the files are written.
The CLI (`trialpro-server export casebook`) and the participant page's download both come here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from server.private_files import private_tree
from server.services import queries as query_service
from server.services import sdv as sdv_service
from server.services import signatures as signature_service
from server.services.audit import AuditEntry, append
from server.storage import audit as audit_store
from server.storage import devices as device_store
from server.storage import labs as lab_store
from server.storage import locks as lock_store
from server.storage import participants as participant_store
from server.storage import records as record_store
from server.storage.engine import reading, writing
from shared.errors import ExportRefused, NotFound
from shared.home_entries import APP_DEVICE_KIND, record_source
from shared.locks import PARTICIPANT
from shared.records import utc_now
from shared.study.model import Study

LANGUAGES = ("en", "zh")


def _grouped(revisions: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in revisions:
        groups.setdefault(r["record_id"], []).append(r)
    return [sorted(g, key=lambda r: r["revision"]) for g in groups.values()]


def casebook_data(conn: Connection, study: Study, participant_id: str, *, as_of: str) -> dict[str, Any]:
    """Everything one casebook shows, read on ``conn`` (the caller's snapshot)."""
    person = participant_store.details(conn, participant_id)
    revisions = record_store.revisions_of_participant(conn, participant_id)
    apps = device_store.app_device_ids(conn, (r["device_id"] for r in revisions))   # issue 24: home or clinic
    for r in revisions:
        r["source"] = record_source(APP_DEVICE_KIND if r["device_id"] in apps else None)
    if person is None and not revisions:
        raise NotFound(f"No participant {participant_id!r} on the server.")
    if person is None:
        first = revisions[0]
        person = {"participant_id": participant_id, "site_id": first["site_id"], "status": "screening"}
    signatures = signature_service.signature_views(conn, participant_id)
    labs = lab_store.of_participant(conn, participant_id)
    grouped = _grouped(revisions)
    queries = query_service.queries_of(conn, [person["site_id"]], participant_id=participant_id)
    sdv = sdv_service.statuses(conn, [g[-1] for g in grouped])
    about = ({participant_id} | {f"{r['record_id']}#{r['revision']}" for r in revisions}
             | {s["signature_id"] for s in signatures} | {x["result_id"] for x in labs}
             | {f"{x['result_id']}#{x['revision']}" for x in labs} | {q["query_id"] for q in queries})
    return {"study_id": study.study.id, "as_of": as_of, "participant": person, "records": grouped,
            "labs": labs, "signatures": signatures, "audit": audit_store.entries_about(conn, about),
            "queries": queries, "sdv": sdv,
            "study_lock": lock_store.study_lock(conn), "frozen": lock_store.find(conn, PARTICIPANT, participant_id)}


def _language(language: str | None) -> str:
    lang = language or "en"
    if lang not in LANGUAGES:
        raise ExportRefused(f"language: {lang!r} is not allowed (allowed: {', '.join(LANGUAGES)})",
                            details={"field": "language", "value": lang, "allowed": list(LANGUAGES)})
    return lang


def export_casebooks(engine: Engine, study: Study, out_dir: Path, *, participant_id: str | None = None,
                     language: str | None = "en", actor: str) -> dict[str, int]:
    """Write ``OUT/<participant id>.pdf`` for every participant (screen failures included) or for one, all
    from one snapshot; returns file name -> bytes. Raises ExportRefused (language) or NotFound (participant)."""
    from server.exports.casebook_pdf import render

    lang = _language(language)
    out_dir = Path(out_dir)
    written: dict[str, int] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    with reading(engine) as conn:
        as_of = utc_now()
        ids = [participant_id] if participant_id else participant_store.every_participant_id(conn)
        for pid in ids:
            pdf = render(casebook_data(conn, study, pid, as_of=as_of), lang)
            (out_dir / f"{pid}.pdf").write_bytes(pdf)
            written[f"{pid}.pdf"] = len(pdf)
    private_tree(out_dir)
    with writing(engine) as conn:
        append(conn, AuditEntry(actor=actor, action="export.casebook", entity_type="export", entity_id="casebook",
                                new={"participants": sorted(p.removesuffix(".pdf") for p in written),
                                     "language": lang, "as_of": as_of}))
    return written


def casebook_download(engine: Engine, study: Study, participant_id: str, *, language: str, actor: str) -> bytes:
    """One participant's casebook as PDF bytes (the participant page's download), audited like the CLI's."""
    from server.exports.casebook_pdf import render

    lang = _language(language)
    with reading(engine) as conn:
        pdf = render(casebook_data(conn, study, participant_id, as_of=utc_now()), lang)
    with writing(engine) as conn:
        append(conn, AuditEntry(actor=actor, action="export.casebook", entity_type="export", entity_id="casebook",
                                new={"participants": [participant_id], "language": lang}))
    return pdf
