"""Import the lab's CSV of Treg results: validate every row, then store all rows or none, audited."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection

from server.services.audit import AuditEntry, append_many
from server.storage.labs import add_results, visits_with_results
from server.storage.participants import enrolled
from shared.errors import FieldProblem, LabImportRefused
from shared.lab import LAB_COLUMNS, LabRow, validate_lab_row
from shared.records import utc_now
from shared.study.model import Study


@dataclass(frozen=True)
class LabImportSummary:
    """What an accepted file stored."""

    source_file: str
    imported: int


def _read(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise LabImportRefused([FieldProblem("file", str(path), "a readable CSV file",
                                             f"file: cannot be read ({exc.strerror})")]) from exc
    except UnicodeDecodeError as exc:
        raise LabImportRefused([FieldProblem("file", path.name, "a UTF-8 CSV file",
                                             f"file: is not UTF-8 text ({exc.reason})")]) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, list(reader)


def import_lab_file(conn: Connection, study: Study, path: Path, *, actor: str,
                    today: datetime | None = None) -> LabImportSummary:
    """Validate and store every row of the lab CSV at ``path`` in the caller's transaction.

    All or nothing: if any row is bad (bad field, unknown participant, the same
    participant and visit twice, or a result already stored) nothing is stored and
    LabImportRefused lists every problem by row, field, value and what is allowed.
    A stored result is never overwritten by a later file.
    """
    header, raw_rows = _read(path)
    missing = [c for c in LAB_COLUMNS if c not in header]
    if missing:
        raise LabImportRefused([FieldProblem("header", header, ", ".join(LAB_COLUMNS),
                                             f"header: column(s) {', '.join(missing)} missing "
                                             f"(got {', '.join(header) or 'no header'}; "
                                             f"required: {', '.join(LAB_COLUMNS)})")])
    if not raw_rows:
        raise LabImportRefused([FieldProblem("file", path.name, "at least one result row",
                                             "file: holds no result rows")])
    day = (today or datetime.now(UTC)).date()
    problems: list[FieldProblem] = []
    rows: list[LabRow] = []
    seen: dict[tuple[str, str], int] = {}
    for n, raw in enumerate(raw_rows, start=2):
        row, found = validate_lab_row(raw, n, study, today=day)
        problems += found
        if row is None:
            continue
        key = (row.participant_id, row.visit_id)
        if key in seen:
            problems.append(FieldProblem(f"row {n}.visit", row.visit_id, "one result per participant and visit",
                                         f"row {n}, visit: {row.participant_id} {row.visit_id} is also in "
                                         f"row {seen[key]} (allowed: one result per participant and visit)"))
            continue
        seen[key] = n
        rows.append(row)
    sites = {pid: p.site_id for pid, p in enrolled(conn, (r.participant_id for r in rows)).items()}
    for row in rows:
        if row.participant_id not in sites:
            problems.append(FieldProblem(f"row {row.row}.participant", row.participant_id, "an enrolled participant",
                                         f"row {row.row}, participant: {row.participant_id!r} is not enrolled "
                                         "(allowed: an enrolled participant)"))
    if rows:
        stored = visits_with_results(conn, seen)
        for row in rows:
            if (row.participant_id, row.visit_id) in stored:
                problems.append(FieldProblem(f"row {row.row}.visit", row.visit_id, "a visit without a stored result",
                                             f"row {row.row}, visit: a {row.test_code} result for "
                                             f"{row.participant_id} at {row.visit_id} is already stored "
                                             "(allowed: a visit without a stored result)"))
    if problems:
        raise LabImportRefused(problems)
    store_results(conn, rows, sites, source_file=path.name, actor=actor)
    return LabImportSummary(source_file=path.name, imported=len(rows))


def store_results(conn: Connection, rows: list[LabRow], site_of: dict[str, str], *, source_file: str,
                  actor: str) -> None:
    """Insert validated rows and their audit entries (one per result, one for the file) in one go."""
    now = utc_now()
    values = [{"result_id": str(uuid.uuid4()), "revision": 1, "participant_id": r.participant_id,
               "site_id": site_of[r.participant_id], "visit_id": r.visit_id, "test_code": r.test_code,
               "sample_date": r.sample_date, "value": r.value, "unit": r.unit, "source_file": source_file,
               "source_row": r.row, "imported_at": now, "imported_by": actor} for r in rows]
    add_results(conn, values)
    entries = [AuditEntry(actor=actor, action="lab_result.create", entity_type="lab_result",
                          entity_id=v["result_id"],
                          new={k: v[k] for k in ("participant_id", "visit_id", "test_code", "sample_date",
                                                 "value", "unit", "source_file", "source_row")})
               for v in values]
    entries.append(AuditEntry(actor=actor, action="lab.import", entity_type="lab_file", entity_id=source_file,
                              new={"rows": len(values)}))
    append_many(conn, entries, at=now)
