"""Protocol deviations of the viewer's sites: staff-recorded and raised by the visit rules (out-of-window and
missed visits), filtered by severity."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from server.services import course
from server.storage.engine import reading
from server.web.blueprint import bp
from server.web.session import require, staff
from shared.deviations import CATEGORIES, SEVERITIES
from shared.errors import InvalidInput


@bp.get("/deviations")
@require("participant.view")
def deviations() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    severity = request.args.get("severity") or None
    if severity is not None and severity not in SEVERITIES:
        raise InvalidInput(f"severity: {severity!r} is not allowed; use {' or '.join(SEVERITIES)}.")
    with reading(ctx.engine) as conn:
        found = course.deviations(conn, ctx.study, staff().sites, severity=severity)   # each site's day
    return render_template("deviations.html", deviations=found, severity=severity, severities=SEVERITIES,
                           categories=CATEGORIES, study=ctx.study)
