"""Queries of the locks aggregate: frozen participants and the study lock (rows of ``locks``).

The state lives in the database, never in process memory, so a `trialpro-server lock …` run while the server
serves applies from the server's next request.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select

from server.storage.tables import locks
from shared.locks import PARTICIPANT, STUDY, Lock


def _lock(row: object) -> Lock:
    return Lock(row.scope, row.target, row.locked_at, row.locked_by, row.reason)  # type: ignore[attr-defined]


def find(conn: Connection, scope: str, target: str = "") -> Lock | None:
    """The lock of one participant (``scope`` participant) or of the study (``scope`` study), or None."""
    row = conn.execute(_FIND, {"scope": scope, "target": target}).first()
    return _lock(row) if row is not None else None


# read by every sync, built once (building them and working out their cache keys costs more than running them)
_FIND = select(locks).where(locks.c.scope == bindparam("scope"), locks.c.target == bindparam("target"))
_FROZEN = select(locks).where(locks.c.scope == PARTICIPANT, locks.c.target.in_(bindparam("ids", expanding=True)))


def study_lock(conn: Connection) -> Lock | None:
    return find(conn, STUDY)


def frozen(conn: Connection, participant_ids: Iterable[str]) -> dict[str, Lock]:
    """The freezes among ``participant_ids``, by participant id (one query)."""
    ids = set(participant_ids)
    if not ids:
        return {}
    return {r.target: _lock(r) for r in conn.execute(_FROZEN, {"ids": list(ids)})}


def in_force(conn: Connection, participant_ids: Iterable[str]) -> tuple[Lock | None, dict[str, Lock]]:
    """The study lock (None: not locked) and the freezes among ``participant_ids`` by participant id, in one
    read: every sync's store asks for both (one round trip fewer inside its write lock)."""
    ids = set(participant_ids)
    study: Lock | None = None
    frozen_ones: dict[str, Lock] = {}
    for row in conn.execute(_IN_FORCE, {"study": STUDY, "participant": PARTICIPANT, "ids": list(ids)}):
        if row.scope == STUDY and row.target == "":
            study = _lock(row)
        elif row.scope == PARTICIPANT and row.target in ids:
            frozen_ones[row.target] = _lock(row)
    return study, frozen_ones


_IN_FORCE = select(locks).where(or_(
    and_(locks.c.scope == bindparam("study"), locks.c.target == ""),
    and_(locks.c.scope == bindparam("participant"), locks.c.target.in_(bindparam("ids", expanding=True)))))


def every_frozen(conn: Connection) -> list[Lock]:
    """Every frozen participant, by id."""
    return [_lock(r) for r in conn.execute(select(locks).where(locks.c.scope == PARTICIPANT)
                                           .order_by(locks.c.target))]


def add(conn: Connection, lock: Lock) -> None:
    conn.execute(insert(locks).values(scope=lock.scope, target=lock.target, locked_at=lock.locked_at,
                                      locked_by=lock.locked_by, reason=lock.reason))


def remove(conn: Connection, scope: str, target: str = "") -> None:
    conn.execute(delete(locks).where(locks.c.scope == scope, locks.c.target == target))
