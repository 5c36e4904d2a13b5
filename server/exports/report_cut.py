"""The data cut the study report is stamped with (issue 21 point 8): when (the ``--to`` day, else now) and the
hash of the newest audit entry that changed data by then, so a reader can tell whether two reports show the same
data. Exports (the report itself among them), downloads and account events change no data and are ignored: two
reports of unchanged data carry the same hash, and their tables are byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from server.exports.current import ExportScope
from server.storage import audit as audit_store
from shared.records import utc_now

# audit actions that record reading or access, not a change of study data
NOT_DATA = ("export.", "user.", "device.code_create")


@dataclass(frozen=True)
class DataCut:
    """The stamp of one report."""

    at: str                   # the cut: ``--to`` (end of that UTC day) or the time of the export
    audit_seq: int | None     # newest data-changing audit entry by then
    audit_hash: str | None

    def line(self) -> str:
        """One line for the footer of every page."""
        entry = f"audit #{self.audit_seq} {self.audit_hash}" if self.audit_hash else "no audit entry"
        return f"data cut {self.at} · {entry}"

    def as_dict(self) -> dict[str, object]:
        return {"data_cut": self.at, "audit_seq": self.audit_seq, "audit_entry_hash": self.audit_hash,
                "ignored_actions": list(NOT_DATA)}


def data_cut(conn: Connection, scope: ExportScope) -> DataCut:
    """The data cut of ``scope``: its ``date_to`` (whole day, UTC) or now."""
    until = f"{scope.date_to.isoformat()}T23:59:59.999Z" if scope.date_to else None
    at = until or utc_now()
    entry = audit_store.newest_changing(conn, NOT_DATA, until=until)
    if entry is None:
        return DataCut(at, None, None)
    return DataCut(at, int(entry["seq"]), str(entry["entry_hash"]))
