"""Participant list and page (timeline, patient global and index scores over time, AEs) and the data-manager
correction form."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server.services import cohorts, correction_form, record_view, sdv
from server.services import dashboard as board
from server.services import queries as query_service
from server.services.clinical_record import clinical_record_view
from server.services.corrections import correct_record
from server.services.lab_results import participant_labs
from server.services.signatures import covering, signoff_summary
from server.storage import participants as participant_store
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.charts import line_chart
from server.web.i18n import language, problem_message, t
from server.web.i18n_guide import problem_text
from server.web.paging import Table, table_request
from server.web.session import require, staff
from server.web.site_dates import today_at_site
from shared.disposition import REASONS
from shared.errors import FieldProblem, RecordInvalid, TrialproError
from shared.record_display import shown_record
from shared.record_fields import record_fields
from shared.record_input import read_form


@bp.get("/participants")
@require("participant.view")
def participants() -> ResponseReturnValue:
    """The participants of the viewer's sites, sorted, searched and paged in SQL (``?sort=&dir=&q=&page=``); with
    ``status`` (and ``visit``, ``arm``, ``reason``) only the participants behind one dashboard count
    (``server.services.cohorts``). A search that finds exactly one participant (no cohort) opens that participant."""
    req = table_request(participant_store.PARTICIPANT_SORTS, "participant_id")
    ctx = current_app.extensions["trialpro"]
    args = dict(request.args)
    if args.get("arm") and not args.get("status"):   # the list's arm filter alone: everyone enrolled in that arm
        args["status"] = "enrolled"
    cohort = cohorts.parse_cohort(args, ctx.study)
    size = None
    with reading(ctx.engine) as conn:
        if cohort is None:
            page = participant_store.page_of_participants(conn, staff().sites, req)
        else:
            page, size = cohorts.cohort_page(conn, ctx.study, staff().sites, cohort, today_at_site(),
                                             datetime.now(UTC), req)
    if req.q and len(page.rows) == 1 and req.page == 1 and cohort is None:
        return redirect(url_for("web.participant", participant_id=page.rows[0]["participant_id"]))
    keep = cohort.query() if cohort else {}
    return render_template("participants.html", table=Table(page, keep), q=req.q, cohort=cohort, cohort_size=size,
                           study=ctx.study, reasons=REASONS, statuses=cohorts.STATUSES)


@bp.get("/participants/<participant_id>")
@require("participant.view")
def participant(participant_id: str) -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        detail = board.participant_detail(conn, ctx.study, participant_id, staff().sites, today_at_site())
        signoff = signoff_summary(conn, ctx.study, participant_id)
        labs, proposals = participant_labs(conn, ctx.study, participant_id, detail["participant"]["sex"],
                                           detail["adverse_events"])
    def visit_name(visit_id: str) -> str:
        v = ctx.study.visit(visit_id)
        return (v.label_zh if language() == "zh" else v.label).split(" (")[0].split("（")[0]

    vas = line_chart([(visit_name(p["visit_id"]), p["value"]) for p in detail["vas"]], y_max=100,
                     label=t("participant.vas"))
    scored = detail["index_instrument"]
    top = (scored.score_maximum() if scored else None) or 10
    index_label = t("participant.index", name=scored.short.in_language(language()) if scored else "", top=f"{top:g}")
    index = line_chart([(visit_name(p["visit_id"]), p["value"]) for p in detail["index"]], y_max=top,
                       label=index_label, colour="#a8431f")
    with reading(ctx.engine) as conn:  # data queries and SDV beside the records (issue 19)
        queries = query_service.queries_of(conn, staff().sites, participant_id=participant_id)
        record_view.label_query_fields(conn, ctx.study, queries, language())
        sdv_status = sdv.statuses(conn, detail["records"])
        drugs = record_view.drugs_of(conn, ctx.study, participant_id)
    shown = record_view.shown_records(ctx.study, detail["records"], language(), drugs)   # issue 23
    clinical = clinical_record_view(ctx.study, detail["records"], language())   # issue 18
    return render_template("participant.html", d=detail, vas_chart=vas, index_chart=index, index_label=index_label,
                           can_correct=staff().can("record.correct"), signoff=signoff,
                           can_sign=staff().can("signature.sign"), can_lock=staff().can("lock.manage"),
                           labs=labs, lab_proposals=proposals, queries=queries, sdv=sdv_status,
                           open_by_record=query_service.unresolved_by_record(queries), clinical=clinical,
                           shown=shown, study=ctx.study)


@bp.route("/records/<record_id>/correct", methods=["GET", "POST"])
@require("record.correct")
def correct(record_id: str) -> ResponseReturnValue:
    """The correction form built from the record's fields; on POST the values read back by the field
    definitions are stored as the next revision with the mandatory reason, or every refusal is shown beside
    its field (``server.services.correction_form``)."""
    ctx = current_app.extensions["trialpro"]
    sites = staff().sites
    lang = language()
    with reading(ctx.engine) as conn:
        rec = board.current_record(conn, record_id, sites)
        drugs = record_view.drugs_of(conn, ctx.study, rec["participant_id"])
        history = record_view.history(conn, ctx.study, record_id, sites, lang, drugs)
        signed = covering(conn, rec["participant_id"], record_id)
    fields = record_fields(rec, ctx.study, drugs)
    shown = shown_record(rec, ctx.study, lang, drugs)
    problems: list[FieldProblem] = []
    reason_error = other_error = None
    posted = request.method == "POST"
    if posted and fields is not None:
        reason = request.form.get("reason", "").strip()
        data, problems = read_form(fields, rec["data"], request.form.getlist)
        if not reason:
            reason_error = t("correct.reason_missing")
        elif not problems and data == rec["data"]:
            other_error = t("correct.nothing_changed")
        if not problems and not reason_error and not other_error:
            try:
                with writing(ctx.engine) as conn:
                    stored = correct_record(conn, ctx.study, record_id, data, reason, staff().actor)
                flash(t("correct.saved", revision=stored["revision"]))
                return redirect(url_for("web.participant", participant_id=rec["participant_id"]))
            except RecordInvalid as exc:    # a rule of shared/ refused it: each problem beside its field
                problems = exc.problems
            except TrialproError as exc:    # raced, locked study, frozen participant: said by the button
                other_error = problem_message(exc)
    form = (correction_form.form_fields(fields, rec["data"], lang, sent=request.form.getlist if posted else None,
                                        problems=problems, yes_no={True: t("yes"), False: t("no")})
            if fields is not None else [])
    refused = bool(problems or reason_error or other_error)
    return render_template("correct.html", rec=rec, shown=shown, form=form, defined=fields is not None,
                           history=history, signed=signed, reason=request.form.get("reason", ""),
                           reason_error=reason_error, other_error=other_error, study=ctx.study,
                           general=correction_form.general_problems(problems),
                           problem_text=problem_text), 422 if refused else 200
