"""The admin JSON API (session cookie + X-CSRF-Token header): devices, codes, revocation, audit verification.

The same services as the pages; errors are problem details like the kiosk API.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from server.api.json_body import json_body
from server.services import checkpoints
from server.services import dashboard as board
from server.services import devices as device_service
from server.storage.engine import reading, writing
from server.web.session import check_csrf, check_request_text, csrf_token, require, staff
from shared.errors import InvalidInput, NotFound

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")


@bp.before_request
def _csrf() -> None:
    check_request_text()
    check_csrf()


@bp.get("/session")
@require("study.view")
def whoami() -> ResponseReturnValue:
    """Who is signed in, and the CSRF token to send as X-CSRF-Token on POSTs."""
    s = staff()
    return jsonify(username=s.username, roles=sorted(s.roles), sites=sorted(s.sites), csrf_token=csrf_token())


@bp.get("/devices")
@require("device.view")
def list_devices() -> ResponseReturnValue:
    with reading(current_app.extensions["trialpro"].engine) as conn:
        return jsonify(devices=board.device_activity(conn, staff().sites))


@bp.post("/devices/codes")
@require("device.manage")
def create_code() -> ResponseReturnValue:
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("site_id"), str):
        raise InvalidInput("Send {\"site_id\": \"PKU\"}: the site the kiosk belongs to.")
    with writing(current_app.extensions["trialpro"].engine) as conn:
        code = device_service.create_enrolment_code(conn, site_id=body["site_id"], actor=staff().actor,
                                                    valid_site_ids=set(staff().sites))
    return jsonify(site_id=body["site_id"], code=code,
                   valid_hours=int(device_service.CODE_VALIDITY.total_seconds() // 3600)), 201


@bp.post("/devices/<device_id>/revoke")
@require("device.manage")
def revoke(device_id: str) -> ResponseReturnValue:
    body = json_body() if request.content_length else {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if isinstance(reason, str) and ("\x00" in reason or len(reason) > 1000):
        raise InvalidInput("reason: at most 1000 characters and no NUL character; shorten it and send again.")
    with writing(current_app.extensions["trialpro"].engine) as conn:
        if device_id not in {d["device_id"] for d in board.device_activity(conn, staff().sites)}:
            raise NotFound(f"No device {device_id!r} at your site(s).")
        device_service.revoke(conn, device_id, actor=staff().actor, reason=reason if isinstance(reason, str) else None)
    return jsonify(device_id=device_id, revoked=True)


@bp.get("/audit/verify")
@require("audit.view")
def verify() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        result = checkpoints.verify(conn, ctx.config.data_dir)
    return jsonify(ok=result.ok, entries=result.chain.entries, summary=checkpoints.summary(result),
                   first_bad_entry=None if result.ok else (result.chain.first_bad_seq if not result.chain.ok
                                                                else result.first_bad_seq))
