"""Queries of the screening log: every person screened at a site (whatever the outcome) and the screening
numbers granted to each kiosk, from which the participant ids are made."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, or_, select, update

from server.storage.tables import participants, screening_number_grants, screenings
from shared.study.model import PARTICIPANT_ID


@dataclass(frozen=True)
class Screened:
    """What ingest needs of a screened person."""

    participant_id: str
    site_id: str
    record_id: str      # the screening record
    outcome: str
    consent_date: date


def screened(conn: Connection, participant_ids: Iterable[str]) -> dict[str, Screened]:
    """The screened people among ``participant_ids``, by id (one query)."""
    ids = set(participant_ids)
    if not ids:
        return {}
    return {r.participant_id: Screened(r.participant_id, r.site_id, r.record_id, r.outcome,
                                       date.fromisoformat(r.consent_date))
            for r in conn.execute(_SCREENED, {"ids": list(ids)})}


# read by every sync, built once (building it and working out its cache key costs more than running it)
_SCREENED = select(screenings.c.participant_id, screenings.c.site_id, screenings.c.record_id, screenings.c.outcome,
                   screenings.c.consent_date).where(screenings.c.participant_id.in_(bindparam("ids", expanding=True)))


def _row(rec: dict[str, Any]) -> dict[str, Any]:
    d = rec["data"]
    return {"outcome": d["outcome"], "failed_criteria": json.dumps(d["failed_criteria"]), "sex": d["sex"],
            "birth_year_month": d["birth_year_month"], "age_at_consent": d["age_at_consent"],
            "consent_date": d["consent_date"], "screening_date": d["screening_date"]}


def screen_from(conn: Connection, revisions: list[dict[str, Any]]) -> None:
    """Keep the log in line with stored screening revisions (revision 1 adds the person, later ones update)."""
    for rec in sorted(revisions, key=lambda r: r["revision"]):
        if rec["revision"] == 1:
            match = PARTICIPANT_ID.match(rec["participant_id"])
            conn.execute(insert(screenings).values(
                participant_id=rec["participant_id"], site_id=rec["site_id"],
                screening_number=int(match["number"]) if match else 0, record_id=rec["record_id"],
                device_id=rec["device_id"], screened_at=rec["collected_at"], **_row(rec)))
        else:
            conn.execute(update(screenings).where(screenings.c.participant_id == rec["participant_id"])
                         .values(**_row(rec)))


def of_site(conn: Connection, site_id: str | None = None) -> list[dict[str, Any]]:
    """The screening log (of a site, or of every site), by participant id, with the arm once randomised."""
    c = screenings.c
    q = (select(c.participant_id, c.site_id, c.outcome, c.failed_criteria, c.sex, c.birth_year_month,
                c.age_at_consent, c.consent_date, c.screening_date, participants.c.arm)
         .select_from(screenings.outerjoin(participants, participants.c.participant_id == c.participant_id))
         .order_by(c.participant_id))
    if site_id is not None:
        q = q.where(c.site_id == site_id)
    return [{**r._mapping, "failed_criteria": json.loads(r.failed_criteria)} for r in conn.execute(q)]


def outcome_counts(conn: Connection, site_ids: Iterable[str] | None = None) -> dict[str, int]:
    """How many people were screened per outcome (of the given sites, or all)."""
    q = select(screenings.c.outcome, func.count()).group_by(screenings.c.outcome)
    if site_ids is not None:
        q = q.where(screenings.c.site_id.in_(list(site_ids)))
    return {outcome: int(n) for outcome, n in conn.execute(q)}


def randomised_count(conn: Connection, site_ids: Iterable[str] | None = None) -> int:
    """How many screened people were randomised (of the given sites, or all)."""
    joined = screenings.join(participants, participants.c.participant_id == screenings.c.participant_id)
    q = select(func.count()).select_from(joined)
    if site_ids is not None:
        q = q.where(screenings.c.site_id.in_(list(site_ids)))
    return int(conn.execute(q).scalar_one())


# ---- screening numbers ------------------------------------------------------------------------------------
def number_grants(conn: Connection, site_id: str, device_id: str | None = None) -> list[tuple[int, int]]:
    """(first, last) of the screening-number ranges of a site (granted to ``device_id`` only, when given)."""
    c = screening_number_grants.c
    if device_id is not None:   # every sync's top-up: the statement built once
        return [(int(a), int(b)) for a, b in conn.execute(_DEVICE_GRANTS, {"site_id": site_id, "device_id": device_id})]
    q = select(c.first_number, c.last_number).where(c.site_id == site_id).order_by(c.first_number)
    return [(int(a), int(b)) for a, b in conn.execute(q)]


_DEVICE_GRANTS = (select(screening_number_grants.c.first_number, screening_number_grants.c.last_number)
                  .where(screening_number_grants.c.site_id == bindparam("site_id"),
                         screening_number_grants.c.device_id == bindparam("device_id"))
                  .order_by(screening_number_grants.c.first_number))


def add_number_grants(conn: Connection, grants: list[dict[str, Any]]) -> None:
    """Grant ranges of screening numbers of a site to a kiosk, one row of ``grants`` (site_id, first_number,
    last_number, device_id, granted_at) each, in one statement."""
    if grants:
        conn.execute(insert(screening_number_grants), grants)


def numbers_used_in(conn: Connection, site_id: str, ranges: Iterable[tuple[int, int]]) -> set[int]:
    """Screening numbers within ``ranges`` ((first, last), a kiosk's) already given to someone at the site."""
    ranges = list(ranges)
    if not ranges:
        return set()
    # every sync's top-up: one statement per number of ranges, built once (a kiosk holds a handful of ranges)
    statement = _USED_IN.get(len(ranges))
    if statement is None:
        statement = select(screenings.c.screening_number).where(
            screenings.c.site_id == bindparam("site_id"),
            or_(*(screenings.c.screening_number.between(bindparam(f"first_{i}"), bindparam(f"last_{i}"))
                  for i in range(len(ranges)))))
        if len(ranges) <= 32:
            _USED_IN[len(ranges)] = statement
    params: dict[str, Any] = {"site_id": site_id}
    for i, (a, b) in enumerate(ranges):
        params[f"first_{i}"], params[f"last_{i}"] = a, b
    return set(conn.execute(statement, params).scalars())


_USED_IN: dict[int, Any] = {}


def highest_granted_number(conn: Connection, site_id: str) -> int:
    """The last screening number granted at the site so far (0 before the first grant)."""
    c = screening_number_grants.c
    return int(conn.execute(select(func.coalesce(func.max(c.last_number), 0)).where(c.site_id == site_id))
               .scalar_one())


def highest_legacy_number(conn: Connection, site_id: str) -> int:
    """The highest number in a participant id of the site enrolled before the screening log existed.

    Only participants without a screening row are read (an anti-join on the screenings' key): a screened
    participant's number lies in a range granted to a kiosk, which ``highest_granted_number`` already covers,
    so every top-up no longer parses the ids of every participant of the site."""
    legacy = ~exists().where(screenings.c.participant_id == participants.c.participant_id)
    ids = conn.execute(select(participants.c.participant_id)
                       .where(participants.c.site_id == site_id, legacy)).scalars()
    numbers = [int(m["number"]) for m in (PARTICIPANT_ID.match(i) for i in ids) if m]
    return max(numbers, default=0)
