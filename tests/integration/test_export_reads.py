"""The exports' participant-at-a-time read (``participants_with_data``): two streamed reads merged with the
participants give each person exactly their own newest records and lab results, in the scope, in participant id
order (code points, on both databases), as one look-up per participant would."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from server.app import open_context
from server.config import ServerConfig
from server.exports.current import ExportScope, participants_with_data
from server.storage.engine import reading
from server.storage.tables import devices, lab_results, participants, records, screenings
from tests.migrated_template import MigratedTemplates

# Ids whose code point order ("-" < "A" < "a") is not the order of a hyphen-blind collation such as en_US
PEOPLE = [("S1-Z9", "PKU"), ("S1A01", "PKU"), ("S1a00", "PKU"), ("S2-001", "RJH"), ("S1-B2", "PKU")]
NO_RECORDS = "S1-B2"


def _record(pid: str, site: str, n: int, revision: int = 1, *, day: str = "2026-03-02",
            device: str = "kiosk-1") -> dict[str, Any]:
    rid = f"00000000-0000-0000-0000-{pid.encode().hex()[:8]}{n:04d}"
    at = f"{day}T0{n % 10}:00:00.000Z"
    body = {"record_id": rid, "revision": revision, "kind": "instrument_response", "participant_id": pid,
            "site_id": site, "collected_at": at, "data": {"n": n, "revision": revision}}
    return {"record_id": rid, "revision": revision, "kind": "instrument_response", "site_id": site,
            "participant_id": pid, "content_hash": "sha256:test", "body": json.dumps(body), "device_id": device,
            "collected_at": at, "received_at": f"{day}T12:00:0{revision}.000Z", "serious": False}


def _lab(pid: str, site: str, result: str, revision: int, sample: str, value: float) -> dict[str, Any]:
    return {"result_id": result, "revision": revision, "participant_id": pid, "site_id": site,
            "visit_id": "baseline", "test_code": "TREGPCT", "sample_date": sample, "value": value, "unit": "%",
            "source_file": "t.csv", "source_row": 2, "imported_at": "2026-03-03T00:00:00.000Z",
            "imported_by": "test", "reason": None}


def _fill(conn: Any) -> None:
    conn.execute(insert(devices), [
        {"device_id": "kiosk-1", "site_id": "PKU", "label": "k", "token_digest": "a" * 64,
         "enrolled_at": "2026-01-01T00:00:00.000Z", "kind": "kiosk", "participant_id": None},
        {"device_id": "phone-1", "site_id": "PKU", "label": "p", "token_digest": "b" * 64,
         "enrolled_at": "2026-01-01T00:00:00.000Z", "kind": "participant_app", "participant_id": "S1A01"}])
    conn.execute(insert(participants), [
        {"participant_id": pid, "site_id": site, "arm": "A", "status": "enrolled",
         "enrolled_at": "2026-03-01T00:00:00.000Z", "enrolment_record_id": f"enrol-{pid}", "allocation_number": n,
         "year_of_birth": 1970, "sex": "F"} for n, (pid, site) in enumerate(PEOPLE)])
    conn.execute(insert(screenings), [{
        "participant_id": "S1-C5", "site_id": "PKU", "screening_number": 9, "record_id": "scr-1",
        "device_id": "kiosk-1", "outcome": "screen_failure", "failed_criteria": "[]", "sex": "M",
        "birth_year_month": "1980-05", "age_at_consent": 45, "consent_date": "2026-02-01",
        "screening_date": "2026-02-01", "screened_at": "2026-02-01T00:00:00.000Z"}])
    rows = []
    for pid, site in [*PEOPLE, ("S1-C5", "PKU"), ("S0-orphan", "PKU")]:
        if pid == NO_RECORDS:
            continue
        rows += [_record(pid, site, 3), _record(pid, site, 1), _record(pid, site, 2, day="2026-04-10"),
                 _record(pid, site, 1, revision=2)]
    rows.append(_record("S1A01", "PKU", 5, device="phone-1"))
    conn.execute(insert(records), rows)
    conn.execute(insert(lab_results), [
        _lab("S1-Z9", "PKU", "lab-1", 1, "2026-03-02", 4.0), _lab("S1-Z9", "PKU", "lab-1", 2, "2026-03-02", 4.5),
        _lab("S1-Z9", "PKU", "lab-2", 1, "2026-04-20", 6.0), _lab("S2-001", "RJH", "lab-3", 1, "2026-03-05", 5.0),
        _lab("S0-orphan", "PKU", "lab-4", 1, "2026-03-05", 5.0)])


def _one_by_one(conn: Any, scope: ExportScope, screened: bool) -> list[tuple[str, list[Any], list[Any]]]:
    """What the read must give: per participant of the scope (code point order), their newest records by time
    of measurement and record id, and their newest lab results by sample date, within the dates."""
    people = [r.participant_id for r in conn.execute(select(participants.c.participant_id, participants.c.site_id))
              if scope.site_id in (None, r.site_id)]
    if screened and scope.site_id in (None, "PKU"):
        people.append("S1-C5")
    out = []
    low = scope.date_from.isoformat() if scope.date_from else ""
    high = scope.date_to.isoformat() if scope.date_to else "9999"
    for pid in sorted(people):
        newest: dict[str, Any] = {}
        for r in conn.execute(select(records).where(records.c.participant_id == pid)):
            if r.record_id not in newest or r.revision > newest[r.record_id].revision:
                newest[r.record_id] = r
        recs = sorted((r for r in newest.values() if low <= r.collected_at[:10] <= high),
                      key=lambda r: (r.collected_at, r.record_id))
        labs: dict[str, Any] = {}
        for r in conn.execute(select(lab_results).where(lab_results.c.participant_id == pid)):
            if r.result_id not in labs or r.revision > labs[r.result_id].revision:
                labs[r.result_id] = r
        lab_rows = sorted((dict(r._mapping) for r in labs.values() if low <= r.sample_date <= high),
                          key=lambda r: (r["sample_date"], r["test_code"]))
        out.append((pid, [(r.record_id, r.revision, "home" if r.device_id == "phone-1" else "clinic",
                           r.received_at) for r in recs], lab_rows))
    return out


def test_each_participant_gets_exactly_their_newest_records_and_labs_in_code_point_order(
        tmp_path: Path, database_url: str | None, migrated_templates: MigratedTemplates) -> None:
    if database_url is None:
        migrated_templates.sqlite_copy(tmp_path / "server")
    ctx = open_context(ServerConfig(data_dir=tmp_path / "server", testing=True, database_url=database_url))
    with ctx.engine.begin() as conn:
        _fill(conn)
    scopes = [ExportScope(), ExportScope(site_id="PKU"), ExportScope(site_id="RJH"),
              ExportScope(date_from=date(2026, 3, 2), date_to=date(2026, 3, 31))]
    with reading(ctx.engine) as conn:
        for scope in scopes:
            for screened in (False, True):
                got = [(pd.participant["participant_id"],
                        [(r["record_id"], r["revision"], r["source"], r["received_at"]) for r in pd.records],
                        pd.labs) for pd in participants_with_data(conn, scope, screened=screened)]
                assert got == _one_by_one(conn, scope, screened), (scope, screened)
        everyone = {pd.participant["participant_id"]: pd for pd in participants_with_data(conn, ExportScope())}
        assert [r["data"] for r in everyone["S1-Z9"].records] == [
            {"n": 1, "revision": 2}, {"n": 3, "revision": 1}, {"n": 2, "revision": 1}]
        assert everyone[NO_RECORDS].records == [] and everyone[NO_RECORDS].labs == []
        archive = next(pd for pd in participants_with_data(conn, ExportScope(), every_revision=True)
                       if pd.participant["participant_id"] == "S1-Z9")
        assert [(r["data"]["n"], r["revision"]) for r in archive.records] == [(1, 1), (1, 2), (3, 1), (2, 1)]
        assert [(lab["result_id"], lab["revision"]) for lab in archive.labs] == [
            ("lab-1", 1), ("lab-1", 2), ("lab-2", 1)]
    ctx.engine.dispose()


def test_current_records_are_the_newest_revisions_of_every_record_in_the_scope(
        tmp_path: Path, database_url: str | None, migrated_templates: MigratedTemplates) -> None:
    """On SQLite the older revisions are passed over in Python (the records with several revisions read
    first), on PostgreSQL by the anti-join: the same rows, by participant and time, either way."""
    from server.exports.current import current_records

    if database_url is None:
        migrated_templates.sqlite_copy(tmp_path / "server")
    ctx = open_context(ServerConfig(data_dir=tmp_path / "server", testing=True, database_url=database_url))
    with ctx.engine.begin() as conn:
        _fill(conn)
    with reading(ctx.engine) as conn:
        for scope in (ExportScope(), ExportScope(site_id="PKU"), ExportScope(date_to=date(2026, 3, 31))):
            got = [(r["participant_id"], r["record_id"], r["revision"], r["source"], r["arm"])
                   for r in current_records(conn, scope=scope, with_arm=True)]
            ids = sorted({pid for pid, site in [*PEOPLE, ("S1-C5", "PKU"), ("S0-orphan", "PKU")]
                          if scope.site_id in (None, site)})
            expected = [(pid, rid, rev, source, None if pid in ("S1-C5", "S0-orphan") else "A")
                        for pid, recs, _labs in _one_by_one_all(conn, scope, ids) for rid, rev, source, _ in recs]
            assert got == expected, scope
    ctx.engine.dispose()


def _one_by_one_all(conn: Any, scope: ExportScope, ids: list[str]) -> list[tuple[str, list[Any], list[Any]]]:
    """``_one_by_one`` for any participant ids (records of people not enrolled too)."""
    everyone = {pid: (recs, labs) for pid, recs, labs in _one_by_one(conn, scope, screened=True)}
    orphan = _one_by_one_of(conn, scope, "S0-orphan")
    return [(pid, *(everyone.get(pid) or orphan)) for pid in ids]


def _one_by_one_of(conn: Any, scope: ExportScope, pid: str) -> tuple[list[Any], list[Any]]:
    newest: dict[str, Any] = {}
    for r in conn.execute(select(records).where(records.c.participant_id == pid)):
        if r.record_id not in newest or r.revision > newest[r.record_id].revision:
            newest[r.record_id] = r
    high = scope.date_to.isoformat() if scope.date_to else "9999"
    recs = sorted((r for r in newest.values() if r.collected_at[:10] <= high),
                  key=lambda r: (r.collected_at, r.record_id))
    return [(r.record_id, r.revision, "clinic", r.received_at) for r in recs], []
