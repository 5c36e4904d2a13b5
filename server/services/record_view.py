"""Records as pages show them (issue 23, point 2): by their instrument's title with their values, scores and
history (who, when, why, what changed), through the one display rule in ``shared.record_display``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from server.services import dashboard as board
from server.storage import participants as participant_store
from shared.record_display import EMPTY, ShownRecord, shown_record, shown_value
from shared.record_fields import TEXT, record_fields
from shared.study.model import Study


def drugs_of(conn: Connection, study: Study, participant_id: str) -> frozenset[str] | None:
    """The study drugs of the participant's arm (None before randomisation or for an arm the study lacks)."""
    known = participant_store.enrolled(conn, [participant_id]).get(participant_id)
    if known is None or not known.arm or not any(a.code == known.arm for a in study.arms):
        return None
    return study.arm(known.arm).drugs


def shown_records(study: Study, records: Iterable[Mapping[str, Any]], language: str,
                  drugs: frozenset[str] | None) -> dict[str, ShownRecord]:
    """Each record (current revision) as shown, by record id."""
    return {r["record_id"]: shown_record(r, study, language, drugs) for r in records}


def _changes(study: Study, before: Mapping[str, Any] | None, after: Mapping[str, Any], language: str,
             drugs: frozenset[str] | None) -> list[dict[str, Any]]:
    """The fields whose value differs from the previous revision, with both values as shown."""
    if before is None:
        return []
    found = record_fields(after, study, drugs)
    old, new = before.get("data") or {}, after.get("data") or {}
    out = []
    for name in [*new, *(k for k in old if k not in new)]:
        if old.get(name) == new.get(name):
            continue
        spec = found.field(name) if found else None
        out.append({"field": name, "label": spec.label.in_language(language) if spec else name,
                    "old": shown_value(spec, old.get(name), language),
                    "new": shown_value(spec, new.get(name), language),
                    "typed": spec is None or spec.type == TEXT})
    return out


def history(conn: Connection, study: Study, record_id: str, sites: Iterable[str], language: str,
            drugs: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """Every revision of one record of these sites, oldest first: revision, when (entered and received), who,
    the reason for a correction and the fields it changed (old and new value as shown). NotFound otherwise."""
    revisions = board.record_history(conn, record_id, sites)
    out, previous = [], None
    for rev in revisions:
        out.append({"revision": rev["revision"], "collected_at": rev["collected_at"], "site_id": rev["site_id"],
                    "received_at": rev["received_at"], "entered_by": rev["entered_by"],
                    "reason": rev.get("correction_reason") or "",
                    "changes": _changes(study, previous, rev, language, drugs)})
        previous = rev
    return out


def record_page(conn: Connection, study: Study, record_id: str, sites: Iterable[str],
                language: str) -> dict[str, Any]:
    """One record of these sites as its page shows it: the current revision, its shown values and scores, and
    its history. Raises NotFound for a record of another site or none."""
    rec = board.current_record(conn, record_id, sites)
    drugs = drugs_of(conn, study, rec["participant_id"])
    return {"record": rec, "shown": shown_record(rec, study, language, drugs),
            "history": history(conn, study, record_id, sites, language, drugs), "empty": EMPTY}
