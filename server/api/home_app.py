"""The participant app's API (issue 24): activation with a one-time code, and the app's configuration.
Records go through the same ``POST /api/v1/sync`` as kiosks (server/api/sync.py; what a phone may send:
server/services/sync_home.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from server.api.json_body import json_body
from server.services import devices as device_service
from server.services import home_app
from server.services.app_config import app_config
from server.storage.engine import reading, writing
from shared.errors import Forbidden, InvalidInput

bp = Blueprint("home_app_api", __name__, url_prefix="/api/v1/app")


@bp.post("/activate")
def activate() -> ResponseReturnValue:
    """Exchange a one-time activation code for this phone's participant credential (shown once)."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("Send {\"code\": \"…\", \"label\": \"phone\"}.")
    ctx = current_app.extensions["trialpro"]
    done = home_app.activate(ctx.engine, code=body.get("code"), label=body.get("label"),
                             remote_addr=request.remote_addr or "unknown")
    device = done.device
    return jsonify(device_id=device.device_id, participant_id=device.participant_id, site_id=device.site_id,
                   token=done.token, device_secret=done.device_secret, study_id=ctx.study.study.id,
                   study_version=ctx.study.study.version, timezone=ctx.study.site(device.site_id).timezone), 201


@bp.post("/codes")
def codes() -> ResponseReturnValue:
    """Nurse mode on a kiosk: a one-time activation code for a participant of the kiosk's site (shown once)."""
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput("Send {\"participant_id\": \"…\", \"staff\": \"<user name signed in>\"}.")
    ctx = current_app.extensions["trialpro"]
    with writing(ctx.engine) as conn:
        device = device_service.authenticate(conn, request.headers.get("Authorization"))
        made = home_app.create_code_on_kiosk(conn, ctx.study, device, participant_id=body.get("participant_id"),
                                             staff=body.get("staff"))
    return jsonify(code=made.code, participant_id=made.participant_id, site_id=made.site_id,
                   expires_at=made.expires_at, link=made.link(request.url_root)), 201


@bp.get("/config")
def config() -> ResponseReturnValue:
    """The diaries, drugs, schemas and entries of the credential's participant."""
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        device = device_service.authenticate_app(conn, request.headers.get("Authorization"))
        if not device.is_app:
            raise Forbidden("This address is for a participant's app; a kiosk syncs through /api/v1/sync.")
        return jsonify(app_config(conn, ctx.study, device))
