"""Queries of the participants aggregate: who is enrolled, with which arm, allocation and consent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, select, update

from server.storage.paging import Page, PageRequest, Sorts, fetch_page
from server.storage.tables import participants, screenings


@dataclass(frozen=True)
class Enrolled:
    """What ingest needs of an enrolled participant."""

    participant_id: str
    site_id: str
    record_id: str          # the enrolment record
    arm: str
    allocation_number: int
    consent_date: date | None


def _consent(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def enrolled(conn: Connection, participant_ids: Iterable[str]) -> dict[str, Enrolled]:
    """The enrolled participants among ``participant_ids``, by id (one query)."""
    ids = set(participant_ids)
    if not ids:
        return {}
    return {r.participant_id: Enrolled(r.participant_id, r.site_id, r.enrolment_record_id, r.arm,
                                       r.allocation_number, _consent(r.consent_date))
            for r in conn.execute(_ENROLLED, {"ids": list(ids)})}


# statements of every sync, built once (building one and working out its cache key costs more than running it)
_ENROLLED = select(participants.c.participant_id, participants.c.site_id, participants.c.enrolment_record_id,
                   participants.c.arm, participants.c.allocation_number, participants.c.consent_date).where(
    participants.c.participant_id.in_(bindparam("ids", expanding=True)))
_OF_SITE = (select(participants.c.participant_id, participants.c.arm, participants.c.status)
            .where(participants.c.site_id == bindparam("site_id")).order_by(participants.c.participant_id))


def arm_of(conn: Connection, participant_id: str) -> str | None:
    """The arm of an enrolled participant, None when not enrolled."""
    return conn.execute(select(participants.c.arm).where(
        participants.c.participant_id == participant_id)).scalar_one_or_none()


def allocation_number_used(conn: Connection, site_id: str, number: int) -> bool:
    """Whether a participant of ``site_id`` was enrolled with allocation ``number``."""
    return conn.execute(select(participants.c.participant_id).where(
        participants.c.site_id == site_id, participants.c.allocation_number == number)).first() is not None


def allocation_numbers(conn: Connection, site_id: str) -> set[int]:
    """Allocation numbers already given to participants of this site."""
    return set(conn.execute(select(participants.c.allocation_number)
                            .where(participants.c.site_id == site_id)).scalars())


def allocation_numbers_among(conn: Connection, site_id: str, numbers: Iterable[int]) -> set[int]:
    """Those of ``numbers`` already given to participants of this site (a kiosk's blocks, not the whole site)."""
    wanted = sorted(set(numbers))
    used: set[int] = set()
    for start in range(0, len(wanted), 500):
        used.update(conn.execute(_NUMBERS_AMONG, {"site_id": site_id, "numbers": wanted[start:start + 500]}).scalars())
    return used


_NUMBERS_AMONG = select(participants.c.allocation_number).where(  # every sync's top-up: built once
    participants.c.site_id == bindparam("site_id"),
    participants.c.allocation_number.in_(bindparam("numbers", expanding=True)))


def of_site(conn: Connection, site_id: str) -> list[dict[str, Any]]:
    """Every participant of a site (id, arm, status), by id: what a kiosk of the site is sent."""
    return [{"participant_id": pid, "arm": arm, "status": status}   # unpacked: a Row's mapping costs ~5 us a row
            for pid, arm, status in conn.execute(_OF_SITE, {"site_id": site_id})]


def enrol_from(conn: Connection, enrolments: list[dict[str, Any]]) -> None:
    """Add a participant for each stored revision-1 enrolment envelope."""
    if not enrolments:
        return
    conn.execute(insert(participants), [
        {"participant_id": rec["participant_id"], "site_id": rec["site_id"], "arm": rec["data"]["arm"],
         "status": "enrolled", "enrolled_at": rec["collected_at"], "enrolment_record_id": rec["record_id"],
         "allocation_number": rec["data"]["allocation_number"], "year_of_birth": rec["data"]["year_of_birth"],
         "sex": rec["data"]["sex"], "consent_date": rec["data"].get("consent_date")} for rec in enrolments])


def randomise_from(conn: Connection, randomisations: list[dict[str, Any]]) -> None:
    """Add a randomised participant for each stored revision-1 randomisation envelope, with the sex, birth
    year and consent of the participant's screening (stored before it: ingest refuses a randomisation of
    someone not screened)."""
    for rec in randomisations:
        s = conn.execute(select(screenings.c.sex, screenings.c.birth_year_month, screenings.c.consent_date)
                         .where(screenings.c.participant_id == rec["participant_id"])).one()
        conn.execute(insert(participants).values(
            participant_id=rec["participant_id"], site_id=rec["site_id"], arm=rec["data"]["arm"], status="enrolled",
            enrolled_at=rec["collected_at"], enrolment_record_id=rec["record_id"],
            allocation_number=rec["data"]["randomisation_number"], year_of_birth=int(s.birth_year_month[:4]),
            sex=s.sex, consent_date=s.consent_date))


def correct_from(conn: Connection, enrolment: dict[str, Any]) -> None:
    """Bring a participant's details in line with a later revision of their enrolment (never the arm or
    allocation number: shared.records.check_next_revision refuses a revision that changes them)."""
    data = enrolment["data"]
    conn.execute(update(participants).where(participants.c.participant_id == enrolment["participant_id"])
                 .values(year_of_birth=data["year_of_birth"], sex=data["sex"], consent_date=data.get("consent_date")))


def every_participant_id(conn: Connection, site_id: str | None = None) -> list[str]:
    """Every participant id the server holds data of (enrolled, or named by a record only, such as a screen
    failure), sorted: whose casebooks there are."""
    from server.storage.tables import records

    people = select(participants.c.participant_id)
    named = select(records.c.participant_id).distinct()
    if site_id:
        people = people.where(participants.c.site_id == site_id)
        named = named.where(records.c.site_id == site_id)
    return sorted(set(conn.execute(people).scalars()) | set(conn.execute(named).scalars()))


def details(conn: Connection, participant_id: str) -> dict[str, Any] | None:
    """Every column of one enrolled participant, or None."""
    row = conn.execute(select(participants).where(participants.c.participant_id == participant_id)).first()
    return None if row is None else dict(row._mapping)


def set_status(conn: Connection, participant_id: str, status: str) -> None:
    """Record a participant's disposition status (completed, discontinued) as kiosks are sent it."""
    conn.execute(update(participants).where(participants.c.participant_id == participant_id).values(status=status))


def count_without_screening(conn: Connection, site_ids: list[str] | None = None) -> int:
    """Participants enrolled by the one-step enrolment of earlier releases (no screening record)."""
    q = (select(func.count()).select_from(participants)
         .where(~exists().where(screenings.c.participant_id == participants.c.participant_id)))
    if site_ids is not None:
        q = q.where(participants.c.site_id.in_(site_ids))
    return int(conn.execute(q).scalar_one())


def screened_of_site(conn: Connection, site_id: str) -> list[dict[str, Any]]:
    """People screened at the site and not randomised (id, no arm, the screening outcome as status): what a
    kiosk of the site is sent besides the randomised participants."""
    return [{"participant_id": pid, "arm": None, "status": outcome}
            for pid, outcome in conn.execute(_SCREENED_OF_SITE, {"site_id": site_id})]


_SCREENED_OF_SITE = (select(screenings.c.participant_id, screenings.c.outcome)
                     .where(screenings.c.site_id == bindparam("site_id"),
                            ~exists().where(participants.c.participant_id == screenings.c.participant_id))
                     .order_by(screenings.c.participant_id))


# --- the participants table of the admin pages (issue 23): sorted, searched and paged in SQL -------------------
PARTICIPANT_SORTS: Sorts = {"participant_id": participants.c.participant_id, "site_id": participants.c.site_id,
                            "arm": participants.c.arm, "status": participants.c.status,
                            "enrolled_at": participants.c.enrolled_at}


def page_of_participants(conn: Connection, sites: Iterable[str], req: PageRequest, *,
                         only: Iterable[str] | None = None) -> Page:
    """One page of the participants of these sites whose id contains ``req.q`` (upper-cased), sorted by
    ``req.sort``; ``only``: restrict to these participant ids (a dashboard count's people)."""
    q = select(participants).where(participants.c.site_id.in_(list(sites)))
    if req.q:
        q = q.where(participants.c.participant_id.contains(req.q.upper(), autoescape=True))
    if only is not None:
        q = q.where(participants.c.participant_id.in_(list(only)))
    rows, more = fetch_page(conn, q, PARTICIPANT_SORTS, [participants.c.participant_id], req)
    return Page([dict(r._mapping) for r in rows], req, more)
