"""Records as pages show them (issue 23, point 2): by their instrument's title with their values, scores and
history (who, when, why, what changed), through the one display rule in ``shared.record_display``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from server.services import dashboard as board
from server.storage import participants as participant_store
from server.storage import records as record_store
from shared.record_display import EMPTY, ShownChange, ShownRecord, changed_fields, shown_record
from shared.record_fields import record_fields
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
             drugs: frozenset[str] | None) -> list[ShownChange]:
    """The fields whose value differs from the previous revision, with both values as shown."""
    if before is None:
        return []
    return changed_fields(record_fields(after, study, drugs), before.get("data") or {}, after.get("data") or {},
                          language)


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


def _revision_of(entry: Mapping[str, Any]) -> str | None:
    """The record id of an audit entry about a record revision (``<id>#<n>``), else None."""
    if entry.get("entity_type") != "record" or "#" not in str(entry.get("entity_id")):
        return None
    return str(entry["entity_id"]).rsplit("#", 1)[0]


def audit_details(conn: Connection, study: Study, entries: Iterable[Mapping[str, Any]],
                  language: str) -> dict[int, dict[str, Any]]:
    """How the audit page shows the entries about a record revision (issue 23, point 4), by entry number: a
    correction (``<kind>.correct``) as the fields it changed, each by its label in ``language``, old → new as
    every page shows values; a new record (``<kind>.create``) as its fields by label. Entries about anything
    else, or whose stored values are not field objects, are absent (the page lists them as stored)."""
    wanted = {e["seq"]: rid for e in entries if (rid := _revision_of(e)) is not None}
    known = record_store.identities(conn, set(wanted.values())) if wanted else {}
    out: dict[int, dict[str, Any]] = {}
    for e in entries:
        ident = known.get(wanted.get(e["seq"], ""))
        if ident is None:
            continue
        old, new = _object(e.get("old")), _object(e.get("new"))
        found = record_fields(ident, study)
        if str(e["action"]).endswith(".correct") and old is not None and new is not None:
            out[e["seq"]] = {"changes": changed_fields(found, old, new, language),
                             "unchanged": sum(1 for k in new if k in old and old[k] == new[k])}
        elif str(e["action"]).endswith(".create") and new is not None:
            shown = shown_record({**ident, "data": new}, study, language)
            out[e["seq"]] = {"fields": [f for f in (*shown.scores, *shown.fields) if f.text != EMPTY]}
    return out


def _object(text: Any) -> dict[str, Any] | None:
    """A stored audit value that is a JSON object of fields, else None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def label_query_fields(conn: Connection, study: Study, queries: list[dict[str, Any]], language: str) -> None:
    """Give each query about a record a ``field_label``: the questioned field by its label in ``language``
    (issue 23: pages name fields as the forms do, not by their stored names). Queries about anything else, or a
    field the record's definition does not know, get None and are shown by the stored name."""
    wanted = {q["target_id"] for q in queries if q.get("target") == "record"}
    known = record_store.identities(conn, wanted) if wanted else {}
    for q in queries:
        ident = known.get(q["target_id"]) if q.get("target") == "record" else None
        found = record_fields(ident, study) if ident else None
        spec = found.field(q["field"]) if found else None
        q["field_label"] = spec.label.in_language(language) if spec else None
