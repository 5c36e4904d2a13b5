"""Investigator e-signatures (issue 19, point 3; 21 CFR 11.50, 11.70, 11.100, 11.200) over real HTTP: a printed
name on record, user id + password at the first signing of a session and the password after, the meaning stored
and shown with name and both times, the signature bound to the content hashes it covers (a correction breaks
it), never movable to other data, and audited in the chain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError

from server.storage.tables import audit_log, records, signatures
from tests.integration.signoff_support import (
    ADMIN_SET,
    PASSWORD,
    PRINTED_NAME,
    choose_own_password,
    cli,
    csrf,
    kiosk_with_participant,
    staff_client,
)
from tests.live_server import ThreadServer

MEANING = "I confirm the data of this visit are accurate and complete"


def _sign(client, pid: str, *, visit: str | None, username: str | None, password: str):  # type: ignore[no-untyped-def]
    params = {"scope": "visit", "visit": visit} if visit else {"scope": "casebook"}
    form = client.get(f"/participants/{pid}/sign", params=params)
    assert form.status_code == 200, form.text
    data = {"csrf_token": csrf(form.text), "password": password, **params}
    if username is not None:
        data["username"] = username
    return form, client.post(f"/participants/{pid}/sign", data=data)


def test_a_visit_signature_shows_its_manifestation_and_breaks_on_correction(tmp_path: Path,
                                                                           server: ThreadServer) -> None:
    site = kiosk_with_participant(tmp_path, server)
    pid, visit = site.participant_id, site.baseline
    inv = staff_client(server, "inv.sign", "investigator", display_name=None, own_password=False)
    form, refused = _sign(inv, pid, visit=visit, username="inv.sign", password=ADMIN_SET)
    assert refused.status_code == 422 and "printed name" in refused.text       # no display name on record yet
    assert cli(server, "user", "name", "inv.sign", "--display-name", PRINTED_NAME).returncode == 0
    form, refused = _sign(inv, pid, visit=visit, username="inv.sign", password=ADMIN_SET)
    assert refused.status_code == 422 and "set by an administrator" in refused.text   # the admin knows it
    choose_own_password(inv)

    form, wrong_user = _sign(inv, pid, visit=visit, username="someone.else", password=PASSWORD)
    assert 'name="username"' in form.text and MEANING in form.text             # first signing: user id too
    assert wrong_user.status_code == 403
    _, signed = _sign(inv, pid, visit=visit, username="inv.sign", password=PASSWORD)
    assert signed.status_code == 302, signed.text

    form, wrong_password = _sign(inv, pid, visit=None, username=None, password="not the password")
    assert 'name="username"' not in form.text                                    # same session: password only
    assert wrong_password.status_code == 403
    _, book = _sign(inv, pid, visit=None, username=None, password=PASSWORD)
    assert book.status_code == 302

    page = inv.get(f"/participants/{pid}").text
    with server.ctx.engine.connect() as conn:
        row = conn.execute(select(signatures).where(signatures.c.scope == "visit")).one()
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "signature.sign",
                                                     audit_log.c.entity_id == row.signature_id)).one()
    assert json.loads(entry.new)["signature_hash"] == row.signature_hash and entry.actor == "user:inv.sign"
    assert row.meaning_text == MEANING and row.printed_name == PRINTED_NAME
    assert row.signed_at.endswith("Z") and row.signed_at_local.endswith("+08:00")   # UTC and the site's time
    shown = re.search(rf'data-signature="{row.signature_id}".*?</span>', page, re.S)
    assert shown and all(part in shown.group(0) for part in (PRINTED_NAME, row.signed_at, row.signed_at_local,
                                                             MEANING, "signature holds"))

    dm = staff_client(server, "dm.sign", "data_manager")
    with server.ctx.engine.connect() as conn:
        rid, body = conn.execute(select(records.c.record_id, records.c.body).where(
            records.c.record_id == site.first)).first()  # the baseline VAS (eligibility scores come first)
    item = next(iter(json.loads(body)["data"]))
    correction = dm.get(f"/records/{rid}/correct")
    warning = re.search(r'class="signed-warning".*?</p>', correction.text, re.S)
    assert warning and PRINTED_NAME in warning.group(0) and MEANING in warning.group(0)   # shown where data are
    assert dm.post(f"/records/{rid}/correct", data={"csrf_token": csrf(correction.text), f"f_{item}": "12",
                                                    "reason": "transcription error"}).status_code == 302
    page = inv.get(f"/participants/{pid}").text
    shown = re.search(rf'data-signature="{row.signature_id}".*?</span>', page, re.S)
    assert shown and "signature broken" in shown.group(0) and f"record:{rid}" in shown.group(0)
    assert "Sign again" in page
    _, again = _sign(inv, pid, visit=visit, username=None, password=PASSWORD)
    assert again.status_code == 302
    assert "signature holds" in re.search(r'<tr data-visit="' + visit + r'">.*?</tr>',
                                          inv.get(f"/participants/{pid}").text, re.S).group(0)

    later = httpx.Client(base_url=server.url, timeout=60)           # another session: all components again
    later.post("/signin", data={"csrf_token": csrf(later.get("/signin").text), "username": "inv.sign",
                                "password": PASSWORD})
    form, no_user = _sign(later, pid, visit=None, username=None, password=PASSWORD)
    assert 'name="username"' in form.text and no_user.status_code == 403


def test_a_signature_cannot_be_moved_or_changed(tmp_path: Path, server: ThreadServer) -> None:
    site = kiosk_with_participant(tmp_path, server)
    other = kiosk_with_participant(tmp_path / "second", server)
    inv = staff_client(server, "inv.move", "investigator")
    assert _sign(inv, site.participant_id, visit=None, username="inv.move", password=PASSWORD)[1].status_code == 302
    with server.ctx.engine.connect() as conn:
        row = dict(conn.execute(select(signatures)).one()._mapping)
    with pytest.raises(DBAPIError), server.ctx.engine.begin() as conn:        # the table is append-only
        conn.execute(update(signatures).values(participant_id=other.participant_id))
    copied = {**row, "signature_id": "00000000-0000-4000-8000-000000000000", "participant_id": other.participant_id}
    with server.ctx.engine.begin() as conn:                                   # a copy pasted onto other data
        conn.execute(insert(signatures).values(**copied))
    page = inv.get(f"/participants/{other.participant_id}").text
    assert "signature record does not match its hashes" in page and "signature holds" not in page


def test_an_investigator_signs_a_screen_failures_casebook_from_the_screening_log(tmp_path: Path,
                                                                                 server: ThreadServer) -> None:
    """Issue 19 points 3-4: a screen failure has a casebook, so an investigator signs it whole (same components,
    same content-hash binding: the screening record is in the manifest); a visit of someone never randomised is
    not signed, and someone unknown is still not found."""
    from server.services import signatures as signature_service
    from tests.integration.signoff_support import screen_failure

    station, engine, failed = screen_failure(tmp_path, server)
    inv = staff_client(server, "inv.sf", "investigator")
    log = inv.get("/screening").text
    assert f"/participants/{failed}/sign?scope=casebook" in log
    visit = server.ctx.study.visits[0].id
    assert inv.get(f"/participants/{failed}/sign", params={"scope": "visit", "visit": visit}).status_code == 404
    form, signed = _sign(inv, failed, visit=None, username="inv.sf", password=PASSWORD)
    assert signed.status_code == 302 and signed.headers["location"].endswith("/screening"), signed.text
    with server.ctx.engine.connect() as conn:
        (view,) = signature_service.signature_views(conn, failed)
        screened = conn.execute(select(records.c.record_id).where(records.c.participant_id == failed)).scalars()
        refs = {f"record:{r}" for r in screened}
    assert view["scope"] == "casebook" and view["printed_name"] == PRINTED_NAME and view["verdict"].holds
    assert refs and refs == {i["ref"] for i in view["manifest"]["items"]}
    assert f"covers {len(refs)} item(s)" in form.text
    refused = inv.post(f"/participants/{failed}/sign", data={
        "csrf_token": csrf(form.text), "scope": "visit",
        "visit": visit, "password": PASSWORD})
    assert refused.status_code == 422 and "screen failure" in refused.text and "casebook" in refused.text
    assert inv.get("/participants/PKU-999/sign", params={"scope": "casebook"}).status_code == 404
    engine.close()
    station.store.close()
