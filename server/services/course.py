"""The course of the study on the server: protocol deviations (staff-recorded and raised by the visit rules)
and dispositions of the participants of the viewer's sites. Rules in shared/deviations.py and
shared/disposition.py; the records are read through server.services.dashboard (site-scoped in SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Connection

from server.services.dashboard import current_records_of
from server.storage import dashboard as stored
from shared.deviations import Deviation, participant_deviations
from shared.disposition import KIND as DISPOSITION_KIND
from shared.disposition import DispositionCounts, count_dispositions, disposition_of
from shared.site_time import site_today
from shared.study.model import Study


def _people(conn: Connection, sites: Iterable[str]) -> list[tuple[str, str]]:
    """(participant id, site id) of every participant of these sites, by id."""
    return [(p["participant_id"], p["site_id"]) for p in stored.participants_of(conn, sites)]


def deviations(conn: Connection, study: Study, sites: Iterable[str], today: date | None = None, *,
               severity: str | None = None, now: datetime | None = None) -> list[Deviation]:
    """Every protocol deviation of the participants of these sites (``severity``: only major or minor),
    by participant and date. Missed visits are judged by ``today`` or else each site's own day at ``now``
    (default: the clock), never the UTC calendar day."""
    people = _people(conn, sites)
    recs = current_records_of(conn, [pid for pid, _ in people])
    out: list[Deviation] = []
    for pid, site in people:
        day = today or site_today(study, site, now=now)
        found = participant_deviations(study, pid, recs[pid], today=day, timezone=study.site(site).timezone)
        out += [d for d in found if severity is None or d.severity == severity]
    return out


def disposition_counts(conn: Connection, sites: Iterable[str], *, arm: str | None = None) -> DispositionCounts:
    """How many participants of these sites (of one arm, when given) completed, discontinued (per NCOMPLT
    reason) or are on study: the figures the study report (issue 21) shows. Reads only the disposition records
    (every other record of a participant, the bulk of the study, was parsed and held for nothing, issue 25)."""
    people = [(p["participant_id"], p["site_id"]) for p in stored.participants_of(conn, sites)
              if arm is None or p["arm"] == arm]
    recs = current_records_of(conn, [pid for pid, _ in people], kind=DISPOSITION_KIND)
    return count_dispositions(disposition_of(recs[pid]) for pid, _ in people)
