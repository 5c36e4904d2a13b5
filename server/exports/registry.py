"""The one entry point for every export: the CLI and the admin pages both call ``run_export``.

It checks the request (format, site, date range), writes the folder, appends the
``export.<format>`` audit entry in the caller's transaction and returns a summary.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from server.exports.current import ExportScope
from server.private_files import private_tree
from server.services.audit import AuditEntry, append
from server.storage import export_reads
from server.storage.engine import reading, writing
from shared.errors import ExportRefused, PartMissing
from shared.records import utc_now
from shared.study.model import Study

Writer = Callable[..., dict[str, int]]


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: the files with their data rows, and the scope it covered."""

    format: str
    out_dir: Path
    files: dict[str, int]
    scope: dict[str, str | None]
    started_at: str
    extra: dict[str, Any] = field(default_factory=dict)


# Imported on use so the CLI starts fast and matplotlib loads only for the report.
WRITERS = {"csv": "server.exports.csv_export:export_csv", "odm": "server.exports.odm:export_odm",
           "sdtm": "server.exports.sdtm:export_sdtm", "fhir": "server.exports.fhir:export_fhir",
           "report": "server.exports.report:export_report", "xlsx": "server.exports.xlsx_export:export_xlsx",
           "adam": "server.exports.adam:export_adam"}   # issue 21: ADaM from server/analysis/


def _writer(fmt: str) -> Writer:
    """The writer of ``fmt``; raises PartMissing (one line saying what to install) when a package is missing."""
    module, name = WRITERS[fmt].split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        raise PartMissing.for_module(exc.name, f"The {fmt} export") from None


FORMATS = ("csv", "xlsx", "odm", "sdtm", "fhir", "report", "adam")

# The optional Python packages each format imports (all in the `exports` extra the demo installs).
REQUIRES: dict[str, tuple[str, ...]] = {"odm": ("lxml",), "report": ("matplotlib",), "xlsx": ("xlsxwriter",),
                                        "adam": ("lxml",)}


def parse_day(value: date | str | None, name: str) -> date | None:
    """A YYYY-MM-DD date (or None); raises ExportRefused naming the option otherwise."""
    if value is None or isinstance(value, date):
        return value
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ExportRefused(f"{name}: {value!r} is not a date (allowed: YYYY-MM-DD)",
                        details={"field": name, "value": value, "allowed": "YYYY-MM-DD"})


def build_scope(study: Study, *, site_id: str | None, date_from: date | str | None,
                date_to: date | str | None) -> ExportScope:
    """Check site and dates; raises ExportRefused with the field, the value and what is allowed."""
    sites = [s.id for s in study.sites]
    if site_id is not None and site_id not in sites:
        raise ExportRefused(f"site: {site_id!r} is not a site of the study (allowed: {', '.join(sites)})",
                            details={"field": "site", "value": site_id, "allowed": sites})
    start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
    if start and end and start > end:
        raise ExportRefused(f"from: {start} is after to: {end} (allowed: from on or before to)",
                            details={"field": "from", "value": start.isoformat(), "allowed": f"<= {end}"})
    return ExportScope(site_id=site_id, date_from=start, date_to=end)


def check_request(study: Study, fmt: str, *, site_id: str | None, date_from: date | str | None,
                  date_to: date | str | None) -> ExportScope:
    """The scope of a valid export request; raises ExportRefused naming the format, site or date that is wrong."""
    if fmt not in FORMATS:
        raise ExportRefused(f"format: {fmt!r} is not an export format (allowed: {', '.join(FORMATS)})",
                            details={"field": "format", "value": fmt, "allowed": list(FORMATS)})
    return build_scope(study, site_id=site_id, date_from=date_from, date_to=date_to)


def run_export(engine: Engine, study: Study, fmt: str, out_dir: Path, *, site_id: str | None = None,
               date_from: date | str | None = None, date_to: date | str | None = None, actor: str,
               bom: bool = False, progress: Progress | None = None, language: str = "en") -> ExportSummary:
    """Write export ``fmt`` into the folder ``out_dir`` and audit it (action ``export.<fmt>``).

    The files are written from one read snapshot (``reading``: on SQLite it does not hold the write lock, so
    kiosks keep syncing during a long export); the audit entry is appended once the files are complete.
    Raises ExportRefused for an unknown format, site or a bad date range (nothing written or audited).
    ``progress(done, total)`` is told the rows read so far against the rows in scope (a format that reads a
    row twice is held just below the total) and ``(total, total)`` when the export is complete.
    """
    scope = check_request(study, fmt, site_id=site_id, date_from=date_from, date_to=date_to)
    started = utc_now()
    out_dir = Path(out_dir)
    kwargs: dict[str, Any] = {"scope": scope}
    if fmt == "csv":
        kwargs["bom"] = bom
    if fmt == "report":
        kwargs["language"] = language      # labels of the report's pages (en or zh)
    counter: _RowCounter | None = None
    with reading(engine) as conn:
        if progress is not None:
            counter = _RowCounter(export_reads.rows_in_scope(conn, scope), progress)
            conn = conn.execution_options(**{export_reads.PROGRESS_OPTION: counter})
        files = _writer(fmt)(conn, study, out_dir, **kwargs)
    private_tree(out_dir)                         # exports hold every answer: this account only (0700/0600)
    summary = ExportSummary(format=fmt, out_dir=out_dir, files=files, scope=scope.describe(), started_at=started)
    with writing(engine) as conn:
        # the folder's name is the id (a full path may pass the column's 100 characters); the path is in "out"
        append(conn, AuditEntry(actor=actor, action=f"export.{fmt}", entity_type="export",
                                entity_id=out_dir.name[:100] or str(out_dir)[:100],
                                new={"files": files, "scope": summary.scope, "started_at": started,
                                     "out": str(out_dir)}))
    if counter is not None:
        counter.finish()
    return summary


Progress = Callable[[int, int], None]


class _RowCounter:
    """Adds up the rows the export reads (``export_reads`` calls it) and passes done/total on."""

    def __init__(self, total: int, progress: Progress) -> None:
        self.total, self.done, self._progress = total, 0, progress
        progress(0, total)

    def __call__(self, rows: int) -> None:
        self.done += rows
        self._progress(min(self.done, max(self.total - 1, 0)), self.total)

    def finish(self) -> None:
        self._progress(self.total, self.total)
