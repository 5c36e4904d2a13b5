"""The kiosk API: device enrolment and sync (protocol in shared/sync/protocol.py, docs/sync-protocol.md)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from server.api.json_answer import json_answer
from server.api.json_body import json_body, json_body_and_raw
from server.services import devices as device_service
from server.services import sync as sync_service
from server.services.allocation import grants_for, public_key_b64
from server.services.screening import numbers_for
from server.services.sync_home import app_downstream
from server.services.sync_prepare import prepare
from server.storage.engine import reading, writing
from shared.errors import InvalidInput
from shared.sync.protocol import check_same_study, parse_request
from shared.xml_text import body_may_hold

bp = Blueprint("sync", __name__, url_prefix="/api/v1")


@bp.post("/devices/enrol")
def enrol() -> ResponseReturnValue:
    """Exchange a one-time enrolment code for this kiosk's credential (shown once)."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("Send {\"code\": \"…\", \"label\": \"…\"}.")
    ctx = current_app.extensions["trialpro"]
    for field in ("study_id", "study_version"):
        if body.get(field) is not None and not isinstance(body.get(field), str):
            raise InvalidInput(f"'{field}' must be the {field.replace('_', ' ')} the kiosk runs (a string), "
                               "or left out.")
    # before the code is used: a kiosk of another study keeps its code for the right study file
    check_same_study(body.get("study_id"), body.get("study_version"), server_id=ctx.study.study.id,
                     server_version=ctx.study.study.version, step="enrolment")
    device, token, (grants, key) = device_service.enrol(
        ctx.engine, code=body.get("code"), label=body.get("label"), remote_addr=request.remote_addr or "unknown",
        then=lambda conn, device: (grants_for(conn, ctx.study, site_id=device.site_id, device_id=device.device_id),
                                   (public_key_b64(conn), numbers_for(conn, device.site_id, device.device_id))))
    key, numbers = key
    return json_answer({"device_id": device.device_id, "site_id": device.site_id, "token": token,
                        "server_public_key": key, "allocation": grants, "screening_numbers": numbers,
                        "study_id": ctx.study.study.id, "study_version": ctx.study.study.version}, 201)


@bp.post("/sync")
def sync() -> ResponseReturnValue:
    """Store a batch of records; answer per record and with what the kiosk needs back."""
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        device = device_service.authenticate(conn, request.headers.get("Authorization"))
        body, raw = json_body_and_raw()
        sync_request = parse_request(body)
        check_same_study(sync_request.study_id, sync_request.study_version, server_id=ctx.study.study.id,
                         server_version=ctx.study.study.version, step="sync")
        # shape, validation and hashes before the write lock (redone there for anyone whose state changed)
        # a record holding a character XML cannot carry is refused alone; only a byte hit walks the records
        prepared = prepare(conn, ctx.study, sync_request, texts_checked=not body_may_hold(raw))
    with writing(ctx.engine) as conn:
        # ingest marks the device seen unless it was revoked since: a revocation between the two wins (403)
        answer = sync_service.ingest(conn, ctx.study, device, sync_request, prepared, with_downstream=False)
        if device.is_app:   # issue 24: a phone gets its participant's entries, no blocks, staff or site state
            answer["downstream"] = app_downstream(conn, ctx.study, device)
            return json_answer(answer)
        granted = sync_service.top_ups(conn, ctx.study, device)
    with reading(ctx.engine) as conn:   # after the commit: the rest of the answer only reads, lock-free
        answer["downstream"] = sync_service.downstream(
            conn, ctx.study, device, sync_request.corrections_cursor, held_blocks=sync_request.allocation_blocks,
            labs_cursor=sync_request.labs_cursor, granted=granted, state_cursor=sync_request.state_cursor)
    return json_answer(answer)
