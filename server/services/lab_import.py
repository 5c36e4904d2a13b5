"""Import a lab CSV (any test of the study's lab panel, or the Treg-only layout): validate every row, then store
all rows or none, audited; a row with a reason corrects the stored result as a new revision."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from server.services.audit import AuditEntry, append_many
from server.storage import locks as lock_store
from server.storage.labs import add_results, current_by_key
from server.storage.participants import enrolled
from shared.errors import FieldProblem, LabImportRefused
from shared.lab import LAB_COLUMNS, LEGACY_COLUMNS, OPTIONAL_COLUMNS, LabRow, missing_columns, validate_lab_row
from shared.locks import lock_refusal
from shared.records import utc_now
from shared.study.model import Study


@dataclass(frozen=True)
class LabImportSummary:
    """What an accepted file stored: new results and corrections (new revisions)."""

    source_file: str
    imported: int
    corrected: int = 0


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


def _problem(row: int, field: str, value: object, allowed: str, why: str) -> FieldProblem:
    return FieldProblem(f"row {row}.{field}", value, allowed, f"row {row}, {field}: {why} (allowed: {allowed})")


def import_lab_file(conn: Connection, study: Study, path: Path, *, actor: str,
                    today: datetime | None = None) -> LabImportSummary:
    """Validate and store every row of the lab CSV at ``path`` in the caller's transaction.

    All or nothing: if any row is bad (bad field, unknown participant, the same result twice in the file, a
    result already stored without a reason, a reason with nothing to correct, a correction that changes
    nothing) nothing is stored and LabImportRefused lists every problem by row, field, value and what is allowed.
    Any number of results per visit: a result is named by participant, visit, test and sample date.
    """
    header, raw_rows = _read(path)
    missing = missing_columns(header)
    if missing:
        wanted = LAB_COLUMNS if "test_code" in header else LEGACY_COLUMNS
        raise LabImportRefused([FieldProblem("header", header, ", ".join(LAB_COLUMNS),
                                             f"header: column(s) {', '.join(missing)} missing "
                                             f"(got {', '.join(header) or 'no header'}; "
                                             f"required: {', '.join(wanted)}, optional: "
                                             f"{', '.join(OPTIONAL_COLUMNS)}; without test_code the rows are "
                                             "the study's primary test)")])
    if not raw_rows:
        raise LabImportRefused([FieldProblem("file", path.name, "at least one result row",
                                             "file: holds no result rows")])
    day = (today or datetime.now(UTC)).date()
    problems: list[FieldProblem] = []
    rows: list[LabRow] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for n, raw in enumerate(raw_rows, start=2):
        row, found = validate_lab_row(raw, n, study, today=day)
        problems += found
        if row is None:
            continue
        if row.key in seen:
            problems.append(_problem(n, "date", row.sample_date, "one row per participant, visit, test and date",
                                     f"{row.participant_id} {row.visit_id} {row.test_code} {row.sample_date} is "
                                     f"also in row {seen[row.key]}"))
            continue
        seen[row.key] = n
        rows.append(row)
    sites = {pid: p.site_id for pid, p in enrolled(conn, (r.participant_id for r in rows)).items()}
    for row in rows:
        if row.participant_id not in sites:
            problems.append(_problem(row.row, "participant", row.participant_id, "an enrolled participant",
                                     f"{row.participant_id!r} is not enrolled"))
    problems += _locked(conn, rows, sites)
    stored = current_by_key(conn, seen) if rows else {}
    for row in rows:
        old = stored.get(row.key)
        if old is not None and row.reason is None:
            problems.append(_problem(row.row, "reason", None, "a reason, to correct the stored result",
                                     f"a {row.test_code} result for {row.participant_id} at {row.visit_id} on "
                                     f"{row.sample_date} is already stored ({old.value:g} {old.unit})"))
        elif old is None and row.reason is not None:
            problems.append(_problem(row.row, "reason", row.reason, "no reason for a new result",
                                     f"there is no stored {row.test_code} result for {row.participant_id} at "
                                     f"{row.visit_id} on {row.sample_date} to correct"))
        elif old is not None and old.value == row.value:
            problems.append(_problem(row.row, "value", row.value, "a value different from the stored one",
                                     f"the correction does not change the stored {old.value:g}"))
    if problems:
        raise LabImportRefused(problems)
    corrected = store_results(conn, rows, sites, stored, source_file=path.name, actor=actor)
    return LabImportSummary(source_file=path.name, imported=len(rows) - corrected, corrected=corrected)


def _locked(conn: Connection, rows: list[LabRow], sites: dict[str, str]) -> list[FieldProblem]:
    """Rows of a frozen participant or of a locked study (issue 19): nothing of theirs changes, labs included."""
    study_lock, frozen = lock_store.study_lock(conn), lock_store.frozen(conn, sites)
    out = []
    for row in rows:
        refusal = lock_refusal({"participant_id": row.participant_id}, study_lock=study_lock,
                               frozen=frozen.get(row.participant_id))
        if refusal is not None:
            p = refusal.problems[0]
            out.append(_problem(row.row, "participant", row.participant_id, p.allowed, p.message))
    return out


def store_results(conn: Connection, rows: list[LabRow], site_of: dict[str, str],
                  stored: dict[tuple[str, str, str, str], Any], *, source_file: str, actor: str) -> int:
    """Insert validated rows (new results as revision 1, corrections as the stored revision + 1) and their audit
    entries (one per revision, one for the file) in one go; returns how many were corrections."""
    now = utc_now()
    values, entries = [], []
    for r in rows:
        old = stored.get(r.key)
        v = {"result_id": old.result_id if old is not None else str(uuid.uuid4()),
             "revision": old.revision + 1 if old is not None else 1, "participant_id": r.participant_id,
             "site_id": site_of[r.participant_id], "visit_id": r.visit_id, "test_code": r.test_code,
             "sample_date": r.sample_date, "value": r.value, "unit": r.unit, "source_file": source_file,
             "source_row": r.row, "imported_at": now, "imported_by": actor, "reason": r.reason}
        values.append(v)
        new = {k: v[k] for k in ("participant_id", "visit_id", "test_code", "sample_date", "value", "unit",
                                 "source_file", "source_row", "revision")}
        entries.append(AuditEntry(actor=actor, action="lab_result.correct" if old is not None else "lab_result.create",
                                  entity_type="lab_result", entity_id=v["result_id"], new=new,
                                  old={"value": old.value, "unit": old.unit, "revision": old.revision}
                                  if old is not None else None, reason=r.reason))
    add_results(conn, values)
    corrected = sum(1 for r in rows if r.key in stored)
    entries.append(AuditEntry(actor=actor, action="lab.import", entity_type="lab_file", entity_id=source_file,
                              new={"rows": len(values), "corrections": corrected}))
    append_many(conn, entries, at=now)
    return corrected
