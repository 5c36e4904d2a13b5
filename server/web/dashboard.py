"""The study dashboard: enrolment per arm against target, visits done/overdue, last sync per device, SAE alerts."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from server.services import dashboard as board
from server.services import queries as query_service
from server.services import sae_reports
from server.storage.engine import reading
from server.web.blueprint import bp
from server.web.session import require, staff
from server.web.site_dates import today_at_site


@bp.get("/dashboard")
@require("study.view")
def dashboard() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    sites = staff().sites
    today = today_at_site()
    with reading(ctx.engine) as conn:
        return render_template("dashboard.html", study=ctx.study,
                               enrolment=board.enrolment_by_arm(conn, ctx.study, sites),
                               visits=board.visit_summary(conn, ctx.study, sites, today),
                               devices=board.device_activity(conn, sites),
                               alerts=sae_reports.alerts(conn, ctx.study, sites, datetime.now(UTC)),
                               susars=sae_reports.susars(conn, ctx.study, sites),
                               queries=query_service.summary(conn, sites))
