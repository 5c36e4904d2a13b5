"""Devices page: create a one-time enrolment code, revoke a kiosk, see when each kiosk last synced."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server.services import dashboard as board
from server.services import devices as device_service
from server.storage import devices as device_store
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.i18n import t
from server.web.paging import Table, table_request
from server.web.session import require, staff
from shared.errors import NotFound


def _devices_page(new_code: dict[str, str] | None = None) -> ResponseReturnValue:
    """The devices of the viewer's sites, searched, sorted and paged in SQL (``?sort=&dir=&q=&page=``)."""
    ctx = current_app.extensions["trialpro"]
    req = table_request(device_store.DEVICE_SORTS, "last_seen_at", "desc")
    with reading(ctx.engine) as conn:
        page = device_store.page_of_devices(conn, staff().sites, req)
    sites = [s for s in ctx.study.sites if s.id in staff().sites]
    return render_template("devices.html", device_table=Table(page, endpoint="web.devices"), devices=page.rows,
                           sites=sites, q=req.q, can_manage=staff().can("device.manage"), new_code=new_code)


@bp.get("/devices")
@require("device.view")
def devices() -> ResponseReturnValue:
    return _devices_page()


@bp.post("/devices/codes")
@require("device.manage")
def new_code() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    site = request.form.get("site", "")
    with writing(ctx.engine) as conn:
        code = device_service.create_enrolment_code(conn, site_id=site, actor=staff().actor,
                                                    valid_site_ids=set(staff().sites))
    return _devices_page({"site": site, "code": code})


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
