"""The site's state in every sync answer (issue 22): what a kiosk needs of records other kiosks made.

A kiosk's nurse overview shows visits done (with dates), adverse events and latest scores of every participant of
its site, also those recorded on another kiosk or corrected by a data manager. Each answer brings summaries of the
site's records stored after the kiosk's ``state_cursor`` (an audit sequence number, see
``server.storage.site_state``), or, for a new kiosk or one far behind, of all the site's current records
(``state_snapshot``: the kiosk replaces its copy). Only the kiosk's own site, and only what the nurse needs:
an instrument response's visit, instrument, date and scores (never its answers); an AE's term, grade, onset,
outcome and seriousness.

Home entries (issue 24: records stored from a participant's app, device kind ``participant_app``) are not in
``site_state``: they come as ``home_entries`` (participant, instrument, ``diary_date``), on the same cursor, so the
kiosk's recall diary asks only about dates without one; ``home_diaries`` (sent whole in every answer that has a
cursor: one line per app device of the site) says since when, and until when, each participant keeps one, for
the missed diary days of the nurse overview.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from server.storage import site_state as state_store
from shared.errors import UnknownInstrument
from shared.home_entries import APP_DEVICE_KIND, entry_date
from shared.instruments import get_instrument

MAX_CHANGES = 2000        # records audited after the cursor beyond this: the whole state is cheaper to send
AE_FIELDS = ("term", "grade", "onset_date", "outcome", "serious")


# A stored revision never changes (a correction is a new revision), so what a kiosk keeps of it (its summary, or a
# home entry's date) is kept per process, keyed by its id, revision and content hash, and only the bodies of
# revisions not seen yet are read: a new kiosk's first sync (state_cursor 0) gets the whole site's state, and
# reading, parsing and scoring every record of the site again for each one grew with the site (issue 25 point 2).
MAX_CACHED = 50_000
_summaries: dict[tuple[str, int, str], dict[str, Any]] = {}
_home_entries: dict[tuple[str, int, str], dict[str, Any] | None] = {}


def _key(row: Any) -> tuple[str, int, str]:
    return row.record_id, row.revision, row.content_hash


def _own_body(row: Any) -> str:
    return row.body


def _kept(cache: dict[tuple[str, int, str], Any], row: Any, body_of: Callable[[Any], str],
          make: Callable[[Any, str], Any]) -> Any:
    key = _key(row)
    if key in cache:
        return cache[key]
    if len(cache) >= MAX_CACHED:
        cache.clear()
    done = cache[key] = make(row, body_of(row))
    return done


def summary(row: Any, body_of: Callable[[Any], str] = _own_body) -> dict[str, Any]:
    """What the kiosk keeps of one record revision (a row of ``server.storage.site_state``; ``body_of(row)``: its
    stored JSON, read only when it is not kept yet); the same dict for the same stored revision (callers only read
    it)."""
    return _kept(_summaries, row, body_of, _summary)


def _summary(row: Any, body: str) -> dict[str, Any]:
    data = json.loads(body).get("data") or {}
    if row.kind == "adverse_event":
        kept: dict[str, Any] = {name: data.get(name) for name in AE_FIELDS}
    else:
        try:
            scores = get_instrument(row.instrument_id, row.instrument_version).score(data)
        except UnknownInstrument:
            scores = {}      # an instrument this server no longer ships: the visit still counts as done
        kept = {"scores": {name: value for name, value in scores.items() if value is not None}}
    return {"record_id": row.record_id, "revision": row.revision, "kind": row.kind,
            "participant_id": row.participant_id, "visit_id": row.visit_id, "instrument_id": row.instrument_id,
            "collected_at": row.collected_at, "summary": kept}


def downstream(conn: Connection, site_id: str, cursor: int | None) -> dict[str, Any]:
    """``site_state``, ``state_cursor`` and ``state_snapshot`` for a kiosk of ``site_id`` (nothing for a kiosk
    that sent no cursor: it predates this part of the protocol). In the sync's transaction or a read after its
    commit: audit positions are drawn under the chain head's lock and committed before it is released, so the
    committed positions are always 1..P and every record up to the position read here is visible; a record
    committed meanwhile may come twice (the kiosk keeps one row per record), never not at all."""
    if cursor is None:
        return {}
    now, head_hash = state_store.head(conn)
    keys = None if cursor == 0 or cursor > now else state_store.changed_after(conn, cursor, MAX_CHANGES)
    if keys is None:     # new kiosk, far behind, or a server restored from an older backup: send everything
        kept = _current_of_site(conn, site_id, now, head_hash)
        state, home = _summaries_of(conn, kept.state, kept.home)
        snapshot = True
    else:
        rows = state_store.revisions_of_site(conn, site_id, keys)
        state, home = _summaries_of(conn, [r for r in rows if r.device_kind != APP_DEVICE_KIND],
                                    [r for r in rows if r.device_kind == APP_DEVICE_KIND])
        snapshot = False
    return {"site_state": state, "state_cursor": now, "state_snapshot": snapshot, "home_entries": home,
            "home_diaries": [{"participant_id": d.participant_id, "activated_at": d.enrolled_at,
                              "revoked_at": d.revoked_at}
                             for d in state_store.home_diaries_of_site(conn, site_id, APP_DEVICE_KIND)]}


def _summaries_of(conn: Connection, state: list[Any], home: list[Any]) -> tuple[list[dict[str, Any]],
                                                                                 list[dict[str, Any]]]:
    """The summaries of ``state`` rows and the home entries of ``home`` rows, bodies read in one go for those
    not kept yet."""
    missing = [(r.record_id, r.revision) for cache, kept in ((_summaries, state), (_home_entries, home))
               for r in kept if _key(r) not in cache]
    bodies = state_store.bodies(conn, missing) if missing else {}

    def body_of(row: Any) -> str:   # read up front; one by one only for one dropped from a full cache meanwhile
        key = (row.record_id, row.revision)
        return bodies[key] if key in bodies else state_store.bodies(conn, [key])[key]

    entries = (home_entry(r, body_of) for r in home)
    return [summary(r, body_of) for r in state], [e for e in entries if e is not None]


@dataclass(frozen=True)
class _Current:
    """The newest revision of each record of one site a kiosk keeps (rows of ``state_store.current_of_site``),
    as of audit position ``position``, whose entry hash is ``head_hash``; ``state`` and ``home`` in the order
    of a whole state (participant, time, record id)."""

    position: int
    head_hash: str | None
    rows: dict[str, Any]     # by record id
    state: list[Any]
    home: list[Any]


# A new kiosk's first sync gets the site's whole current state: reading it again for each one (an anti-join over
# every record of the site) grew with the site, 24 ms of a sync at 200 kiosks (issue 25 point 2). So each process
# keeps it per database and site at an audit position, and brings it up to date from the revisions audited since
# (the same reads a kiosk's own cursor uses): a stored revision never changes and every one is audited when it is
# stored, and the entry hash at the kept position names the whole chain up to there, so a copy is used only for
# the database (and the history) it was read from: a restored or replaced database is read whole again.
MAX_SITES_KEPT = 64
_current: dict[tuple[str, str], _Current] = {}


def _current_of_site(conn: Connection, site_id: str, now: int, head_hash: str | None) -> _Current:
    """The site's current state as of position ``now`` (entry hash ``head_hash``), from the copy this process
    keeps when it is of this database and not newer than ``now``."""
    where = (str(conn.engine.url), site_id)
    kept = _current.get(where)
    rows: dict[str, Any] | None = None
    if kept is not None and kept.position == now and kept.head_hash == head_hash:
        return kept
    if kept is not None and kept.position < now and state_store.entry_hash_at(conn, kept.position) == kept.head_hash:
        keys = state_store.changed_after(conn, kept.position, MAX_CHANGES)
        if keys is not None:
            rows = dict(kept.rows)
            for r in state_store.revisions_of_site(conn, site_id, keys):
                held = rows.get(r.record_id)
                if held is None or r.revision > held.revision:
                    rows[r.record_id] = r
    if rows is None:
        rows = {r.record_id: r for r in state_store.current_of_site(conn, site_id)}
    ordered = sorted(rows.values(), key=lambda r: (r.participant_id, r.collected_at or "", r.record_id))
    fresh = _Current(now, head_hash, rows, [r for r in ordered if r.device_kind != APP_DEVICE_KIND],
                     [r for r in ordered if r.device_kind == APP_DEVICE_KIND])
    if kept is None or kept.position <= now:   # another thread may have kept a newer one meanwhile
        if len(_current) >= MAX_SITES_KEPT:
            _current.clear()
        _current[where] = fresh
    return fresh


def home_entry(row: Any, body_of: Callable[[Any], str] = _own_body) -> dict[str, Any] | None:
    """What the kiosk keeps of a home entry: whose, which diary, which date (None without a readable date); kept
    per stored revision as ``summary``."""
    return _kept(_home_entries, row, body_of, _home_entry)


def _home_entry(row: Any, body: str) -> dict[str, Any] | None:
    day = entry_date(json.loads(body))
    if day is None:
        return None
    return {"participant_id": row.participant_id, "instrument_id": row.instrument_id, "diary_date": day.isoformat(),
            "record_id": row.record_id, "revision": row.revision}
