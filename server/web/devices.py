"""Devices page: create a one-time enrolment code, revoke a kiosk, see when each kiosk last synced."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server.services import dashboard as board
from server.services import devices as device_service
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.i18n import t
from server.web.session import require, staff
from shared.errors import NotFound


@bp.get("/devices")
@require("device.view")
def devices() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        rows = board.device_activity(conn, staff().sites)
    sites = [s for s in ctx.study.sites if s.id in staff().sites]
    return render_template("devices.html", devices=rows, sites=sites, can_manage=staff().can("device.manage"),
                           new_code=None)


@bp.post("/devices/codes")
@require("device.manage")
def new_code() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    site = request.form.get("site", "")
    with writing(ctx.engine) as conn:
        code = device_service.create_enrolment_code(conn, site_id=site, actor=staff().actor,
                                                    valid_site_ids=set(staff().sites))
    with reading(ctx.engine) as conn:
        rows = board.device_activity(conn, staff().sites)
    sites = [s for s in ctx.study.sites if s.id in staff().sites]
    return render_template("devices.html", devices=rows, sites=sites, can_manage=True,
                           new_code={"site": site, "code": code})


@bp.post("/devices/<device_id>/revoke")
@require("device.manage")
def revoke(device_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with writing(ctx.engine) as conn:
        if device_id not in {d["device_id"] for d in board.device_activity(conn, staff().sites)}:
            raise NotFound(f"No device {device_id!r} at your site(s).")
        device_service.revoke(conn, device_id, actor=staff().actor,
                              reason=request.form.get("reason", "").strip() or None)
    flash(t("devices.revoked", device=device_id))
    return redirect(url_for("web.devices"))
