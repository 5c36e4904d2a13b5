"""Data queries on the kiosk: the copy the server sends at every sync, and the site's offline answers.

The server's list of the site's unresolved queries replaces the kiosk's copy at every sync (a query closed on
the server leaves the kiosk). Staff answer in nurse mode: the answer is a ``query_response`` record saved like
any record (record + local audit + outbox row in one transaction) and synced through the same idempotent
protocol; until the server has it, the query shows the answer as waiting to be sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.errors import FieldProblem, RecordQueryUnknown
from shared.queries import KIND
from shared.records import new_record, utc_now
from shared.validation import validate_record


@dataclass(frozen=True)
class KioskQuery:
    """One query as nurse mode shows it."""

    query_id: str
    participant_id: str
    field: str
    value: Any
    state: str
    rule: str | None
    raised_at: str
    target_id: str
    visit_id: str | None = None          # of the questioned record, when the kiosk holds it
    instrument_id: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)   # answers saved here and not yet acknowledged

    def age_days(self, now: datetime | None = None) -> int:
        raised = datetime.fromisoformat(self.raised_at.replace("Z", "+00:00"))
        return max(0, ((now or datetime.now(UTC)) - raised).days)


def keep_from_server(conn: Any, queries: Iterable[Mapping[str, Any]]) -> None:
    """Replace the kiosk's copy with the server's list, inside the sync's transaction."""
    conn.execute("DELETE FROM queries")
    now = utc_now()
    for q in queries:
        conn.execute("INSERT INTO queries (query_id, participant_id, body, received_at) VALUES (?, ?, ?, ?)",
                     (q["query_id"], q["participant_id"], json.dumps(dict(q), ensure_ascii=False), now))


def _waiting(station: Station) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in station.store.query("SELECT r.body FROM records r JOIN outbox o ON o.record_id = r.record_id "
                                 "AND o.revision = r.revision WHERE r.kind = ? ORDER BY o.seq", (KIND,)):
        data = json.loads(r["body"])["data"]
        out.setdefault(data["query_id"], []).append(data["message"])
    return out


def open_queries(station: Station, participant_id: str | None = None) -> list[KioskQuery]:
    """The site's unresolved queries (of one participant when given), oldest first, with unsent answers."""
    sql, args = "SELECT body FROM queries", ()
    if participant_id is not None:
        sql, args = sql + " WHERE participant_id = ?", (participant_id,)
    waiting = _waiting(station)
    out = []
    for row in station.store.query(sql, args):
        q = json.loads(row["body"])
        held = station.store.query("SELECT visit_id, instrument_id FROM records WHERE record_id = ? LIMIT 1",
                                   (q["target_id"],))
        out.append(KioskQuery(q["query_id"], q["participant_id"], q["field"], q.get("value"), q["state"],
                              q.get("rule"), q["raised_at"], q["target_id"],
                              held[0]["visit_id"] if held else None, held[0]["instrument_id"] if held else None,
                              list(q.get("messages") or []), waiting.get(q["query_id"], [])))
    return sorted(out, key=lambda k: (k.raised_at, k.query_id))


def answer(station: Station, query_id: str, message: str, *, actor: str) -> dict[str, Any]:
    """Save the site's answer to a query as a ``query_response`` record (offline; sent at the next sync).

    Raises RecordQueryUnknown for a query the kiosk was not sent, RecordInvalid for an empty or too long
    message or an actor who may not answer, StoreWriteFailed when the disk refuses.
    """
    rows = station.store.query("SELECT participant_id FROM queries WHERE query_id = ?", (query_id,))
    if not rows:
        raise RecordQueryUnknown([FieldProblem("data.query_id", query_id, "a query sent to this kiosk",
                                               f"data.query_id: this kiosk holds no query {query_id}; sync first")])
    pid = rows[0]["participant_id"]
    study = station.study.study
    record = new_record(kind=KIND, study_id=study.id, study_version=study.version, site_id=station.site_id,
                        participant_id=pid, data={"query_id": query_id, "message": message.strip()},
                        entered_by=actor, device_id=station.device_id,
                        timezone=station.study.site(station.site_id).timezone)
    validate_record(record, station.study, consent_date=station.participant_consent(pid))
    store_records.save_record(station.store, record, actor=actor)
    return record
