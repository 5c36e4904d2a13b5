"""Data-query pages: the list, one query's thread with its steps, and a record's view where a monitor or data
manager raises a query on one field and a monitor marks the revision source-data verified."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server.services import queries as service
from server.services import record_view as record_pages
from server.services import sdv
from server.storage import queries as stored_queries
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.i18n import language, problem_message, t
from server.web.paging import Table, table_request
from server.web.session import require, staff
from shared.errors import InvalidInput, TrialproError
from shared.queries import ANSWER, CLOSE, REOPEN, STATES, TRANSITIONS, UNRESOLVED
from shared.values import ascii_digits


@bp.get("/queries")
@require("participant.view")
def queries() -> ResponseReturnValue:
    """Queries of the viewer's sites; unresolved ones by default (``?state=closed`` or ``all``); searched, sorted
    and paged in SQL (``?sort=&dir=&q=&page=``)."""
    wanted = request.args.get("state", "unresolved")
    if wanted not in (*STATES, "unresolved", "all"):
        raise InvalidInput(f"state: {wanted[:40]!r} is not allowed; choose unresolved, all or one of "
                           f"{', '.join(STATES)}.", details={"field": "state", "value": wanted[:40],
                                                           "allowed": ", ".join((*STATES, "unresolved", "all"))})
    states = UNRESOLVED if wanted == "unresolved" else None if wanted == "all" else (wanted,)
    req = table_request(stored_queries.QUERY_SORTS, "raised_at")
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        page = service.queries_page(conn, staff().sites, req, states=states)
        record_pages.label_query_fields(conn, ctx.study, page.rows, language())
    keep = {"state": wanted if wanted != "unresolved" else None}
    return render_template("queries.html", query_table=Table(page, keep), queries=page.rows, wanted=wanted,
                           states=STATES, q=req.q)


def _steps(state: str) -> list[str]:
    """The steps the signed-in staff member may take on a query in ``state``."""
    me = staff()
    return [a for a in (ANSWER, CLOSE, REOPEN) if state in TRANSITIONS[a][0] and me.can(f"query.{a}")]


@bp.get("/queries/<query_id>")
@require("participant.view")
def query(query_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        q = service.query_detail(conn, staff().sites, query_id)
        record_pages.label_query_fields(conn, ctx.study, [q], language())
    return render_template("query.html", q=q, steps=_steps(q["state"]), error=None)


@bp.post("/queries/<query_id>")
@require("participant.view")
def query_step(query_id: str) -> ResponseReturnValue:
    """Answer, close or re-open (form field ``step``); a refusal (role, state, message) is shown on the page."""
    ctx = current_app.extensions["trialpro"]
    action = request.form.get("step", "")[:20]
    try:
        with writing(ctx.engine) as conn:
            state = service.act(conn, staff(), query_id, action, request.form.get("message", ""))
        flash(t("query.saved", state=t(f"query.state.{state}")))
        return redirect(url_for("web.query", query_id=query_id))
    except TrialproError as exc:
        if exc.status in (403, 404):  # a role or site refusal shows no query
            raise
        with reading(ctx.engine) as conn:
            q = service.query_detail(conn, staff().sites, query_id)
        return render_template("query.html", q=q, steps=_steps(q["state"]), error=problem_message(exc)), exc.status


def _record_page(record_id: str, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    sites = staff().sites
    with reading(ctx.engine) as conn:
        page = record_pages.record_page(conn, ctx.study, record_id, sites, language())   # issue 23
        rec = page["record"]
        rows = service.queries_of(conn, sites, target_id=record_id)
        record_pages.label_query_fields(conn, ctx.study, rows, language())
        mark = sdv.statuses(conn, [rec])[record_id]
    fields = [(f.name, f.label) for f in page["shown"].fields]
    return render_template("record_queries.html", rec=rec, shown=page["shown"], history=page["history"],
                           fields=fields, queries=rows, sdv=mark, error=error, study=ctx.study,
                           form=request.form, can_raise=staff().can("query.raise"),
                           can_verify=staff().can("record.verify"),
                           can_correct=staff().can("record.correct")), status


@bp.get("/records/<record_id>")
@require("participant.view")
def record_view(record_id: str) -> ResponseReturnValue:
    return _record_page(record_id)


@bp.post("/records/<record_id>/queries")
@require("participant.view")
def raise_query(record_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    try:
        with writing(ctx.engine) as conn:
            qid = service.raise_query(conn, staff(), record_id, request.form.get("field", ""),
                                      request.form.get("message", ""))
        flash(t("query.raised"))
        return redirect(url_for("web.query", query_id=qid))
    except TrialproError as exc:
        return _record_page(record_id, problem_message(exc), exc.status)


@bp.post("/records/<record_id>/verify")
@require("participant.view")
def verify_record(record_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    try:
        text = request.form.get("revision", "")
        if not ascii_digits(text):
            raise InvalidInput(f"revision: {text[:20]!r} is not a revision number; reload the page.")
        with writing(ctx.engine) as conn:
            sdv.verify(conn, staff(), record_id, int(text))
        flash(t("sdv.saved"))
        return redirect(url_for("web.record_view", record_id=record_id))
    except TrialproError as exc:
        return _record_page(record_id, problem_message(exc), exc.status)
