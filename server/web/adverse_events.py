"""AE listing with filters (serious, grade 3 or more, arm), SUSAR flags and the SAE alerts; the SAE form (page
and PDF) with the "reported to the sponsor" mark; the data manager's MedDRA coding page with the English
translations still missing. Thin: each route parses the request and calls one service."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server.services import ae_causality, sae_reports
from server.services import dashboard as board
from server.services import meddra as meddra_service
from server.services.ae_review import AeReviewer
from server.storage import adverse_events as ae_store
from server.storage import meddra as meddra_store
from server.storage import participants as participant_store
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.i18n import LANGUAGES, language, t
from server.web.i18n_guide import problem_text
from server.web.paging import Table, table_request
from server.web.session import require, staff
from shared.errors import FieldProblem, InvalidInput, SaeReportRefused
from shared.site_time import site_wall_time_to_iso, to_site_local


def _flag(name: str) -> bool:
    """A yes/no filter of the query string: absent or empty is no, "1" is yes, anything else is refused (a value
    the page does not know is never read as "no" silently)."""
    value = request.args.get(name, "")
    if value not in ("", "0", "1"):
        raise InvalidInput(f"{name}: {value[:40]!r} is not a filter value; use 1 (yes) or leave it out.",
                           details={"field": name, "value": value[:40], "allowed": "1, 0"})
    return value == "1"


@bp.get("/adverse-events")
@require("participant.view")
def adverse_events() -> ResponseReturnValue:
    """Current AE reports of the viewer's sites: filters (serious, grade 3 or more, arm, search), sort and page
    in SQL (``?sort=&dir=&q=&page=``); the SAE alerts above them."""
    ctx = current_app.extensions["trialpro"]
    serious, grade3 = _flag("serious"), _flag("grade3")
    arm = request.args.get("arm") or None
    if arm and arm not in {a.code for a in ctx.study.arms}:
        raise InvalidInput(f"arm: {arm!r} is not an arm of this study; arms: "
                           f"{', '.join(a.code for a in ctx.study.arms)}.",
                           details={"field": "arm", "value": arm[:40],
                                    "allowed": ", ".join(a.code for a in ctx.study.arms)})
    req = table_request(ae_store.SORT_NAMES, "received_at", "desc")
    with reading(ctx.engine) as conn:
        page = board.adverse_events_page(conn, staff().sites, req, serious=True if serious else None,
                                         min_grade=3 if grade3 else None, arm=arm)
        reviewer = AeReviewer(conn, ctx.study, participant_ids=[ae["participant_id"] for ae in page.rows],
                              record_ids=[ae["record_id"] for ae in page.rows])
        reviews = {ae["record_id"]: reviewer.review(ae, ae.get("arm")) for ae in page.rows}
        alerts = sae_reports.alerts(conn, ctx.study, staff().sites, datetime.now(UTC))
    keep = {"serious": "1" if serious else None, "grade3": "1" if grade3 else None, "arm": arm}
    return render_template("adverse_events.html", table=Table(page, keep), events=page.rows, reviews=reviews,
                           alerts=alerts, serious=serious, grade3=grade3, arm=arm, arms=ctx.study.arms, q=req.q)


def _sae_page(record_id: str, problem: FieldProblem | None = None,
              entered: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    """The SAE form page; after a refused mark, the refusal beside its field and the values typed kept."""
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        form = sae_reports.sae_form(conn, ctx.study, record_id, staff().sites, language())
        ae = board.current_record(conn, record_id, staff().sites)
        review = AeReviewer(conn, ctx.study).review(ae, participant_store.arm_of(conn, ae["participant_id"]))
    local_now = to_site_local(datetime.now(UTC), ctx.study, ae.get("site_id"))
    entered = entered or {"reported_at_local": local_now.strftime("%Y-%m-%dT%H:%M"), "reference": ""}
    return render_template("sae_form.html", form=form, ae=ae, review=review, problem=problem, entered=entered,
                           offset=local_now.strftime("%z")[:3] + ":" + local_now.strftime("%z")[3:],
                           problem_text=problem_text), status


@bp.get("/adverse-events/<record_id>/sae")
@require("participant.view")
def sae_form(record_id: str) -> ResponseReturnValue:
    """The SAE form (CIOMS I / ICH E2B fields) with its PDF and the "reported to the sponsor" mark."""
    return _sae_page(record_id)


@bp.get("/adverse-events/<record_id>/sae.pdf")
@require("participant.view")
def sae_form_pdf(record_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    lang = request.args.get("lang") or language()     # the viewer's language unless the link names one
    if lang not in LANGUAGES:
        raise InvalidInput(f"lang: {lang[:20]!r} is not allowed; write en or zh.",
                           details={"field": "lang", "value": lang[:20], "allowed": list(LANGUAGES)})
    with reading(ctx.engine) as conn:
        form = sae_reports.sae_form(conn, ctx.study, record_id, staff().sites, lang)
    heading = "严重不良事件报告" if lang == "zh" else "SAE report"
    pdf = sae_reports.sae_pdf(form, f"{heading} - {ctx.study.study.id} - {record_id}")
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="sae-{record_id}.pdf"'})


@bp.post("/adverse-events/<record_id>/reported")
@require("sae.report")
def sae_reported(record_id: str) -> ResponseReturnValue:
    """Staff mark an SAE as reported to the sponsor (when and under which reference): its alert ends."""
    ctx = current_app.extensions["trialpro"]
    local = request.form.get("reported_at_local")
    reported_at: str | None = request.form.get("reported_at")      # ISO 8601 with offset (kept for tools)
    if local is not None:                                            # the page's datetime-local: site's zone
        with reading(ctx.engine) as conn:
            site_id = board.current_record(conn, record_id, staff().sites).get("site_id")
        reported_at = site_wall_time_to_iso(local, ctx.study, site_id)
    try:
        with writing(ctx.engine) as conn:
            sae_reports.mark_reported(conn, ctx.study, record_id, reported_at=reported_at,
                                      reference=request.form.get("reference"), actor=staff().actor,
                                      sites=staff().sites)
    except SaeReportRefused as exc:
        if "field" not in exc.details:             # not serious / already marked: the page has no field for it
            raise
        d = exc.details
        problem = FieldProblem(field=d["field"], value=d["value"], allowed=d["allowed"], message=d["message"],
                               code=d.get("code", ""), params=d.get("params", {}))
        entered = {"reported_at_local": local if local is not None else (reported_at or ""),
                   "reference": request.form.get("reference", "")}
        return _sae_page(record_id, problem, entered, exc.status)      # the refusal's own status (409)
    flash(t("sae.marked"))
    return redirect(url_for("web.sae_form", record_id=record_id))


@bp.post("/adverse-events/<record_id>/causality-confirmed")
@require("ae.causality_confirm")
def causality_confirmed(record_id: str) -> ResponseReturnValue:
    """An investigator confirms the causality a nurse entered for the AE's current revision (audited)."""
    ctx = current_app.extensions["trialpro"]
    with writing(ctx.engine) as conn:
        ae_causality.confirm_causality(conn, ctx.study, record_id, actor=staff().actor, sites=staff().sites)
    flash(t("ae.causality_confirmed"))
    return redirect(url_for("web.sae_form", record_id=record_id))


@bp.get("/coding")
@require("ae.code")
def coding() -> ResponseReturnValue:
    """Every AE with its coding (manual, auto or none), a term search in the imported release, and the AEs
    whose Chinese verbatim term still lacks its English translation."""
    ctx = current_app.extensions["trialpro"]
    query = request.args.get("q", "").strip()
    with reading(ctx.engine) as conn:
        events = board.adverse_events(conn, staff().sites)
        reviewer = AeReviewer(conn, ctx.study)
        reviews = {ae["record_id"]: reviewer.review(ae, ae.get("arm")) for ae in events}
        hits = meddra_store.search(conn, query) if query and reviewer.release else []
    missing = [ae for ae in events if reviews[ae["record_id"]].missing_translation]
    return render_template("coding.html", events=events, reviews=reviews, release=reviewer.release, query=query,
                           hits=hits, missing=missing)


@bp.post("/coding/<record_id>")
@require("ae.code")
def code_ae(record_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with writing(ctx.engine) as conn:
        meddra_service.code_adverse_event(conn, record_id, request.form.get("llt_code"), actor=staff().actor,
                                          sites=list(staff().sites))
    flash(t("coding.done"))
    return redirect(url_for("web.coding"))


@bp.post("/coding/<record_id>/translation")
@require("ae.code")
def translate_ae(record_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with writing(ctx.engine) as conn:
        meddra_service.add_translation(conn, ctx.study, record_id, request.form.get("term_en"),
                                       actor=staff().actor, sites=list(staff().sites))
    flash(t("coding.translated"))
    return redirect(url_for("web.coding"))
