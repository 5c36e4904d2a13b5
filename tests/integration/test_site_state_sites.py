"""The site's state goes only to the site's own kiosks (issue 22, point 2; the server trusts no kiosk): on SQLite
and PostgreSQL, a kiosk of site PKU is sent no record of site SHA, in its first (whole) answer or in later ones
(records audited after its cursor), and a kiosk of SHA gets SHA's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_client.services.simulate import simulate
from desktop_client.services.sync_engine import SyncEngine, SyncSettings
from desktop_client.store import station as settings
from server.services.audit import AuditEntry, append
from server.storage.tables import records
from shared.errors import SyncRequestInvalid
from shared.sync.protocol import PROTOCOL_VERSION, parse_request
from tests.factories import enrolled_station, enrolment_code, new_station
from tests.integration.test_roles_matrix import _other_site_participant, _study_with_two_sites
from tests.live_server import thread_server


def _another_sha_ae(conn: object, n: int) -> None:
    """One more AE of SHA-001, stored and audited as a sync stores it."""
    rid = f"00000000-0000-4000-8000-00000000b{n:03d}"
    body = {"record_id": rid, "revision": 1, "kind": "adverse_event", "site_id": "SHA", "participant_id": "SHA-001",
            "collected_at": "2026-11-21T02:00:00.000Z", "data": {"term": f"Rash {n}", "grade": 1, "serious": False,
                                                                 "onset_date": "2026-11-20", "outcome": "recovering"}}
    conn.execute(records.insert().values(  # type: ignore[attr-defined]
        record_id=rid, revision=1, kind="adverse_event", site_id="SHA", participant_id="SHA-001",
        content_hash="sha256:" + "2" * 64, body=json.dumps(body), device_id="dev-sha",
        collected_at=body["collected_at"], received_at="2026-11-24T02:00:00.000Z", serious=False))
    append(conn, AuditEntry(actor="staff:sha.nurse", action="adverse_event.create",  # type: ignore[arg-type]
                            entity_type="record", entity_id=f"{rid}#1", new=body["data"]))


def _people(station: object) -> set[str]:
    return {r["participant_id"] for r in station.store.query("SELECT participant_id FROM site_state")}  # type: ignore[attr-defined]


def test_a_kiosk_is_sent_only_its_own_sites_state(tmp_path: Path, database_url: str | None) -> None:
    fast = SyncSettings(backoff_multiplier=0.01)
    with thread_server(tmp_path / "server", database_url, study_file=_study_with_two_sites(tmp_path)) as srv:
        a, engine_a = enrolled_station(tmp_path / "pku-a", srv)
        simulate(a, participants=1, visits=2, emit=lambda _r: None, seed=7, staff="nurse.a")
        engine_a.sync()
        pku_people = {p["participant_id"] for p in a.participants()}
        with srv.ctx.engine.begin() as conn:
            _other_site_participant(conn)
        b, engine_b = enrolled_station(tmp_path / "pku-b", srv)
        engine_b.sync()                                        # cursor 0: the site's whole state
        assert _people(b) == pku_people
        with srv.ctx.engine.begin() as conn:
            _another_sha_ae(conn, 1)
        simulate(a, participants=1, visits=3, emit=lambda _r: None, seed=7, staff="nurse.a")
        engine_a.sync()
        later = engine_b.sync()                                 # after the cursor: PKU's new visit only
        assert later.state_received >= 1 and _people(b) == pku_people
        assert b.store.query("SELECT count(*) AS n FROM site_state WHERE kind = 'adverse_event'")[0]["n"] == 0

        sha = new_station(tmp_path / "sha", srv.ctx.study)
        engine_sha = SyncEngine(sha, srv.url, settings_=fast)
        engine_sha.enrol(enrolment_code(srv, site_id="SHA"), "SHA kiosk")
        engine_sha.sync()
        assert _people(sha) == {"SHA-001"}
        terms = {json.loads(r["summary"])["term"] for r in sha.store.query("SELECT summary FROM site_state")}
        assert terms == {"Fever at the other site", "Rash 1"}
        assert int(settings.get(sha.store, settings.STATE_CURSOR) or 0) > 0
        for station, engine in ((a, engine_a), (b, engine_b), (sha, engine_sha)):
            engine.close()
            station.store.close()


@pytest.mark.parametrize("cursor", [-1, 1.5, "3", True])
def test_a_state_cursor_that_is_not_a_whole_number_is_refused_naming_the_field(cursor: object) -> None:
    with pytest.raises(SyncRequestInvalid) as refused:
        parse_request({"protocol_version": PROTOCOL_VERSION, "study_version": "1", "records": [],
                       "state_cursor": cursor})
    assert refused.value.details["field"] == "state_cursor"
