"""AE listing with filters (serious, grade 3 or more, arm) and the SAE alerts."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from server.services import dashboard as board
from server.storage.engine import reading
from server.web.blueprint import bp
from server.web.session import require, staff
from server.web.site_dates import today_at_site
from shared.errors import InvalidInput


@bp.get("/adverse-events")
@require("participant.view")
def adverse_events() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    serious = request.args.get("serious") == "1"
    grade3 = request.args.get("grade3") == "1"
    arm = request.args.get("arm") or None
    if arm and arm not in {a.code for a in ctx.study.arms}:
        raise InvalidInput(f"arm: {arm!r} is not an arm of this study; arms: "
                           f"{', '.join(a.code for a in ctx.study.arms)}.")
    with reading(ctx.engine) as conn:
        events = board.adverse_events(conn, staff().sites, serious=True if serious else None,
                                      min_grade=3 if grade3 else None, arm=arm)
        alerts = board.sae_alerts(conn, staff().sites, today_at_site())
    return render_template("adverse_events.html", events=events, alerts=alerts, serious=serious, grade3=grade3,
                           arm=arm, arms=ctx.study.arms)
