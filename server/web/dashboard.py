"""The study dashboard: enrolment per arm against target, visits done/overdue, the course of the study, last sync
per device and silent kiosks, SAE alerts. Every count links to the participants behind it
(``server.services.cohorts``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from server.services import cohorts, sae_reports
from server.services import dashboard as board
from server.services import queries as query_service
from server.storage.engine import reading
from server.web.blueprint import bp
from server.web.session import require, staff
from server.web.site_dates import today_at_site
from shared.disposition import REASONS


@bp.get("/dashboard")
@require("study.view")
def dashboard() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    sites = staff().sites
    today, now = today_at_site(), datetime.now(UTC)
    with reading(ctx.engine) as conn:
        # each read once per request: the counts need the alerts, the silent kiosks the device list, and the
        # alerts and SUSARs come from one review of the serious AEs
        alerts, susars = sae_reports.alerts_and_susars(conn, ctx.study, sites, now)
        devices = board.device_activity(conn, sites)
        counted = cohorts.counts(conn, ctx.study, sites, today, now, alerts)

        def cohort(status: str, **narrow: str) -> dict[str, object]:
            """The count of one cohort and the participants list that shows exactly its members."""
            c = cohorts.Cohort(status, **narrow)
            return {"n": counted.get(c, 0), "url": url_for("web.participants", **c.query())}

        return render_template("dashboard.html", study=ctx.study, cohort=cohort, reasons=REASONS,
                               enrolment=board.enrolment_by_arm(conn, ctx.study, sites),
                               devices=devices, silent=board.silent_kiosks(conn, ctx.study, sites, now, devices),
                               alerts=alerts,
                               susars=susars,
                               queries=query_service.summary(conn, sites))
