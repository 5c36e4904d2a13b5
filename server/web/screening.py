"""The screening log page (issue 15): everyone screened at the viewer's sites, whatever the outcome, with the
criteria a screen failure did not meet and the counts of the report's flow diagram."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from server.services import screening as screening_service
from server.storage.engine import reading
from server.web.blueprint import bp
from server.web.session import require, staff


@bp.get("/screening")
@require("participant.view")
def screening_log() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    sites = staff().sites
    with reading(ctx.engine) as conn:
        log = screening_service.screening_log(conn, sites)
        counts = screening_service.screening_counts(conn, sites)
    texts = {c.id: (c.text, c.text_zh) for c in ctx.study.inclusion + ctx.study.exclusion}
    return render_template("screening.html", log=log, counts=counts, criteria=texts)
