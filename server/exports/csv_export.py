"""CSV export: one file per domain plus a data dictionary; ISO 8601 dates; every row carries record_id."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from server.exports.current import current_records, enrolled_participants
from shared.adverse_events import AE_FIELDS
from shared.instruments import ALL_INSTRUMENTS
from shared.instruments.model import Instrument
from shared.study.model import Study

ENVELOPE_COLUMNS = ["record_id", "revision", "participant_id", "site_id", "visit_id", "collected_at",
                    "collected_at_local", "received_at", "entered_by", "device_id", "correction_reason"]


def _write(path: Path, header: list[str], rows: Iterable[list[Any]], *, bom: bool) -> int:
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            n += 1
    return n


def _envelope(rec: dict[str, Any]) -> list[Any]:
    return [rec.get(c) for c in ENVELOPE_COLUMNS]


def _instrument_rows(conn: Connection, instrument: Instrument, site_id: str | None) -> Iterable[list[Any]]:
    for rec in current_records(conn, kind="instrument_response", instrument_id=instrument.id, site_id=site_id):
        data = rec["data"]
        scores = instrument.score(data)
        yield (_envelope(rec) + [rec["instrument_version"]]
               + [data.get(it.id) for it in instrument.items] + [scores.get(s) for s in instrument.score_names])


def _dictionary(study: Study) -> Iterable[list[Any]]:
    for inst in ALL_INSTRUMENTS:
        for it in inst.items:
            allowed = it.allowed_text()
            yield [f"{inst.id}.csv", it.id, it.label.en, it.response.value, allowed, inst.version, inst.notes]
        for s in inst.score_names:
            yield [f"{inst.id}.csv", s, f"score of {inst.id}", "number", "computed by trialpro", inst.version,
                   inst.notes]
    for f in AE_FIELDS:
        yield ["adverse_events.csv", f, f.replace("_", " "), "see docs/export-formats.md", "", "", ""]
    yield ["participants.csv", "arm", "randomised arm", "code", ", ".join(a.code for a in study.arms), "", ""]


def export_csv(conn: Connection, study: Study, out_dir: Path, *, site_id: str | None = None,
               bom: bool = False) -> dict[str, int]:
    """Write every CSV file into ``out_dir``; returns data rows written per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    counts["participants.csv"] = _write(
        out_dir / "participants.csv",
        ["record_id", "participant_id", "site_id", "arm", "status", "enrolled_at", "year_of_birth", "sex"],
        ([p["enrolment_record_id"], p["participant_id"], p["site_id"], p["arm"], p["status"], p["enrolled_at"],
          p["year_of_birth"], p["sex"]] for p in enrolled_participants(conn, site_id)), bom=bom)
    for inst in ALL_INSTRUMENTS:
        header = (ENVELOPE_COLUMNS + ["instrument_version"] + [it.id for it in inst.items]
                  + list(inst.score_names))
        counts[f"{inst.id}.csv"] = _write(out_dir / f"{inst.id}.csv", header,
                                          _instrument_rows(conn, inst, site_id), bom=bom)
    counts["adverse_events.csv"] = _write(
        out_dir / "adverse_events.csv", ENVELOPE_COLUMNS + list(AE_FIELDS),
        (_envelope(r) + [(",".join(v) if isinstance(v := r["data"].get(f), list) else v) for f in AE_FIELDS]
         for r in current_records(conn, kind="adverse_event", site_id=site_id)), bom=bom)
    counts["data_dictionary.csv"] = _write(
        out_dir / "data_dictionary.csv",
        ["file", "variable", "label", "type", "allowed_values", "instrument_version", "notes"],
        _dictionary(study), bom=bom)
    return counts
