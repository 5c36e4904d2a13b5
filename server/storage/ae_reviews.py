"""Queries for what staff add to an adverse event on the server: a data manager's MedDRA coding and the mark
that a serious AE was reported to the sponsor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from server.storage.tables import ae_codings, sae_reports


def codings(conn: Connection, record_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """record id -> its manual coding (llt_code, coded_by, coded_at); every one when ``record_ids`` is None."""
    query = select(ae_codings)
    if record_ids is not None:
        if not record_ids:
            return {}
        query = query.where(ae_codings.c.record_id.in_(record_ids))
    return {r["record_id"]: dict(r) for r in conn.execute(query).mappings()}


def set_coding(conn: Connection, record_id: str, llt_code: int, *, coded_by: str, coded_at: str) -> None:
    """Store (or replace) the manual coding of one AE."""
    conn.execute(delete(ae_codings).where(ae_codings.c.record_id == record_id))
    conn.execute(insert(ae_codings).values(record_id=record_id, llt_code=llt_code, coded_by=coded_by,
                                           coded_at=coded_at))


def reports(conn: Connection, record_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """record id -> its SAE report mark (reported_at, reference, marked_by, marked_at)."""
    query = select(sae_reports)
    if record_ids is not None:
        if not record_ids:
            return {}
        query = query.where(sae_reports.c.record_id.in_(record_ids))
    return {r["record_id"]: dict(r) for r in conn.execute(query).mappings()}


def mark_reported(conn: Connection, record_id: str, *, reported_at: str, reference: str, marked_by: str,
                  marked_at: str) -> None:
    """Store the report mark of one SAE (a second mark of the same AE raises IntegrityError)."""
    conn.execute(insert(sae_reports).values(record_id=record_id, reported_at=reported_at, reference=reference,
                                            marked_by=marked_by, marked_at=marked_at))
