"""Sign-off pages (issue 19): the investigator's e-signature form, a participant's casebook PDF, freezing a
participant and the database-lock checklist. Thin: each route parses the form and calls one service."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection

from server.services import locks as lock_service
from server.services import signatures as signature_service
from server.storage import dashboard as dashboard_store
from server.storage import screenings as screening_store
from server.storage import signatures as signature_store
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.i18n import LANGUAGES, language, problem_message, t
from server.web.session import require, staff
from shared.errors import NotFound, SignatureCredentials, SignatureRefused
from shared.signatures import CASEBOOK, VISIT, meaning_text


def _visible(conn: Connection, participant_id: str, *, screened_too: bool = False) -> None:
    """NotFound unless the participant is one of the viewer's sites' (the participant page's rule); with
    ``screened_too`` a screen failure, never in the participants table, counts by its screening log row (the
    casebook is written for screen failures too)."""
    if dashboard_store.participant(conn, participant_id, staff().sites) is None:
        screened = screening_store.screened(conn, [participant_id]).get(participant_id) if screened_too else None
        if screened is not None and screened.site_id in staff().sites:
            return
        raise NotFound(f"No participant {participant_id!r} at your site(s).")


@bp.route("/participants/<participant_id>/sign", methods=["GET", "POST"])
@require("signature.sign")
def sign(participant_id: str) -> ResponseReturnValue:
    """The signing form (meaning, what it covers, user id at the session's first signing, password)."""
    ctx = current_app.extensions["trialpro"]
    scope = request.values.get("scope", VISIT)
    visit_id = request.values.get("visit") if scope == VISIT else None
    token = session.get("sid") or ""
    error, status = None, 200
    if request.method == "POST":
        req = signature_service.SignRequest(participant_id, scope, visit_id, request.form.get("username"),
                                            request.form.get("password", ""), language())
        try:
            signature_service.sign(ctx.engine, ctx.study, staff(), req, session_token=token,
                                   remote_addr=request.remote_addr or "unknown")
            flash(t("sign.done"))
            with reading(ctx.engine) as conn:   # a screen failure's casebook is signed from the screening log
                enrolled = dashboard_store.participant(conn, participant_id, staff().sites) is not None
            return redirect(url_for("web.participant", participant_id=participant_id) if enrolled
                            else url_for("web.screening_log"))
        except (SignatureCredentials, SignatureRefused) as exc:
            error, status = problem_message(exc), exc.status
    with reading(ctx.engine) as conn:
        _visible(conn, participant_id, screened_too=scope == CASEBOOK or error is not None)
        items = signature_store.current_items(conn, participant_id, visit_id)
    visit = ctx.study.visit(visit_id) if visit_id and visit_id in {v.id for v in ctx.study.visits} else None
    return render_template("sign.html", participant_id=participant_id, scope=scope, visit=visit, n=len(items),
                           meaning=meaning_text(scope if scope in (VISIT, CASEBOOK) else VISIT, language()),
                           first=signature_service.needs_user_id(ctx.engine, token), error=error,
                           username=request.form.get("username", "")), status


@bp.get("/participants/<participant_id>/casebook.pdf")
@require("participant.view")
def casebook_pdf(participant_id: str) -> ResponseReturnValue:
    """The participant's casebook as the CLI writes it, in the viewer's language (``?lang=`` to choose)."""
    from server.services.casebook import casebook_download

    ctx = current_app.extensions["trialpro"]
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else language()
    with reading(ctx.engine) as conn:
        _visible(conn, participant_id, screened_too=True)
    pdf = casebook_download(ctx.engine, ctx.study, participant_id, language=lang, actor=staff().actor)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{participant_id}.pdf"'})


@bp.post("/participants/<participant_id>/freeze")
@require("lock.manage")
def freeze(participant_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    unfreeze = request.form.get("action") == "unfreeze"
    with reading(ctx.engine) as conn:
        _visible(conn, participant_id)
    with writing(ctx.engine) as conn:
        if unfreeze:
            lock_service.unfreeze_participant(conn, participant_id, reason=request.form.get("reason", ""),
                                              actor=staff().actor)
        else:
            lock_service.freeze_participant(conn, participant_id, reason=request.form.get("reason", ""),
                                            actor=staff().actor)
    flash(t("lock.done_unfreeze" if unfreeze else "lock.done_freeze"))
    return redirect(url_for("web.participant", participant_id=participant_id))


@bp.route("/lock", methods=["GET", "POST"])
@require("lock.manage")
def lock_page() -> ResponseReturnValue:
    """The checklist (every casebook signed, nothing open) and the study lock / unlock with a reason."""
    ctx = current_app.extensions["trialpro"]
    if request.method == "POST":
        reason = request.form.get("reason", "")
        with writing(ctx.engine) as conn:
            if request.form.get("action") == "unlock":
                lock_service.unlock_study(conn, reason=reason, actor=staff().actor)
                flash(t("lock.done_unlock"))
            else:
                lock_service.lock_study(conn, reason=reason, actor=staff().actor)
                flash(t("lock.done_lock"))
        return redirect(url_for("web.lock_page"))
    with reading(ctx.engine) as conn:
        open_items = lock_service.checklist(conn)
        state = lock_service.lock_state(conn)
        frozen = lock_service.frozen_participants(conn)
    return render_template("lock.html", open_items=open_items, study_lock=state["study"], frozen=frozen)
