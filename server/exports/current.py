"""What every export reads: the current (newest) revision of stored records, participants and lab results.

Every read takes an ``ExportScope`` (site, collected-at date range) so each format filters the same way, and
streams in batches so memory does not grow with the study. The SQL lives in ``server.storage.export_reads``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from server.storage import export_reads
from server.storage.export_reads import enrolled_participants
from shared.site_time import site_today
from shared.study.model import Study

__all__ = ["ALL", "ExportScope", "ParticipantData", "current_records", "enrolled_participants", "lab_values",
           "participants_with_data", "record_index"]


@dataclass(frozen=True)
class ExportScope:
    """Which data an export holds: one site or all, and records collected from/to a date (inclusive)."""

    site_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_of(self, study: Study, site_id: str | None) -> date:
        """The day the visit rules judge by (issue 16): a visit is missed when its window closed by this day.

        The data cut ``date_to`` (never after the site's today: a window still open is not missed), else the
        site's day of the export; so the same data cut of the same data gives the same deviations."""
        today = site_today(study, site_id)
        return min(self.date_to, today) if self.date_to else today

    def describe(self) -> dict[str, str | None]:
        return {"site": self.site_id, "from": self.date_from and self.date_from.isoformat(),
                "to": self.date_to and self.date_to.isoformat()}


ALL = ExportScope()


def current_records(conn: Connection, *, kind: str | None = None, instrument_id: str | None = None,
                    site_id: str | None = None, scope: ExportScope | None = None,
                    with_arm: bool = False) -> Iterator[dict[str, Any]]:
    """Newest revision of each record of ``kind`` (all kinds when None), ordered by participant and time.

    Each body gets ``received_at`` (first stored time of this revision) added, and ``arm`` when asked.
    """
    return export_reads.current_records(conn, scope or ExportScope(site_id=site_id), kind=kind,
                                        instrument_id=instrument_id, with_arm=with_arm)


def record_index(conn: Connection, *, kind: str, scope: ExportScope = ALL) -> Iterator[Any]:
    """Newest revisions of ``kind`` as table columns only (no JSON body), ordered by participant and visit.

    Rows have record_id, participant_id, site_id, visit_id, instrument_id, collected_at: enough for
    per-visit summaries without one round trip per participant.
    """
    return export_reads.record_index(conn, scope, kind=kind)


def lab_values(conn: Connection, scope: ExportScope = ALL) -> Iterator[dict[str, Any]]:
    """Imported lab results (newest revision), by participant and sample date, filtered on sample date."""
    return export_reads.lab_values(conn, scope)


@dataclass(frozen=True)
class ParticipantData:
    """One participant with the current revision of each record and their lab results (within the scope)."""

    participant: dict[str, Any]
    records: list[dict[str, Any]]
    labs: list[dict[str, Any]]


def participants_with_data(conn: Connection, scope: ExportScope = ALL, *,
                           every_revision: bool = False, screened: bool = False) -> Iterator[ParticipantData]:
    """Each enrolled participant in turn with their data: memory holds one participant at a time.

    ``every_revision``: ``records`` holds every stored revision (oldest first per record), not only the newest.
    """
    for participant, records, labs in export_reads.participants_with_data(conn, scope,
                                                                          every_revision=every_revision,
                                                                          screened=screened):
        yield ParticipantData(participant, records, labs)
