"""The kiosk API: device enrolment and sync (protocol in shared/sync/protocol.py, docs/sync-protocol.md)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from server.api.json_body import json_body
from server.services import devices as device_service
from server.services import sync as sync_service
from server.services.allocation import grants_for, public_key_b64
from server.storage.engine import reading, writing
from shared.errors import InvalidInput
from shared.sync.protocol import parse_request

bp = Blueprint("sync", __name__, url_prefix="/api/v1")


@bp.post("/devices/enrol")
def enrol() -> ResponseReturnValue:
    """Exchange a one-time enrolment code for this kiosk's credential (shown once)."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("Send {\"code\": \"…\", \"label\": \"…\"}.")
    ctx = current_app.extensions["trialpro"]
    device, token, (grants, key) = device_service.enrol(
        ctx.engine, code=body.get("code"), label=body.get("label"), remote_addr=request.remote_addr or "unknown",
        then=lambda conn, device: (grants_for(conn, ctx.study, site_id=device.site_id, device_id=device.device_id),
                                   public_key_b64(conn)))
    return jsonify(device_id=device.device_id, site_id=device.site_id, token=token, server_public_key=key,
                   allocation=grants, study_id=ctx.study.study.id,
                   study_version=ctx.study.study.version), 201


@bp.post("/sync")
def sync() -> ResponseReturnValue:
    """Store a batch of records; answer per record and with what the kiosk needs back."""
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        device_service.authenticate(conn, request.headers.get("Authorization"))
    sync_request = parse_request(json_body())
    with writing(ctx.engine) as conn:
        # authenticate again inside the writing transaction: a revocation between the two wins
        device = device_service.authenticate(conn, request.headers.get("Authorization"))
        answer = sync_service.ingest(conn, ctx.study, device, sync_request)
    return jsonify(answer)
