"""Participant list and page (timeline, patient global and index scores over time, AEs) and the data-manager
correction form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server.services import cohorts, sdv
from server.services import dashboard as board
from server.services import queries as query_service
from server.services.clinical_record import clinical_record_view
from server.services.lab_results import participant_labs
from server.services.signatures import covering, signoff_summary
from server.storage import participants as participant_store
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.charts import line_chart
from server.web.i18n import language, t
from server.web.paging import Table, table_request
from server.web.session import require, staff
from server.web.site_dates import today_at_site
from shared.disposition import REASONS
from shared.errors import InvalidInput, TrialproError


@bp.get("/participants")
@require("participant.view")
def participants() -> ResponseReturnValue:
    """The participants of the viewer's sites, sorted, searched and paged in SQL (``?sort=&dir=&q=&page=``); with
    ``status`` (and ``visit``, ``arm``, ``reason``) only the participants behind one dashboard count
    (``server.services.cohorts``). A search that finds exactly one participant (no cohort) opens that participant."""
    req = table_request(participant_store.PARTICIPANT_SORTS, "participant_id")
    ctx = current_app.extensions["trialpro"]
    cohort = cohorts.parse_cohort(request.args, ctx.study)
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
                           study=ctx.study, reasons=REASONS)


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
        sdv_status = sdv.statuses(conn, detail["records"])
    clinical = clinical_record_view(ctx.study, detail["records"], language())   # issue 18
    return render_template("participant.html", d=detail, vas_chart=vas, index_chart=index, index_label=index_label,
                           can_correct=staff().can("record.correct"), signoff=signoff,
                           can_sign=staff().can("signature.sign"), can_lock=staff().can("lock.manage"),
                           labs=labs, lab_proposals=proposals, queries=queries, sdv=sdv_status,
                           open_by_record=query_service.unresolved_by_record(queries), clinical=clinical)


def form_text(value: Any) -> str:
    """How a stored value is shown in the correction form (and read back by parse_value)."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parse_value(field: str, text: str, current: Any) -> Any:
    """The form text for ``field`` as the type its current value has. Raises InvalidInput naming the field."""
    text = text.strip()
    if text == form_text(current):
        return current
    if text == "":
        return None
    if isinstance(current, bool):
        if text.lower() not in ("true", "false"):
            raise InvalidInput(f"{field}: '{text}' is not allowed; write true or false.")
        return text.lower() == "true"
    if isinstance(current, dict):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise InvalidInput(f"{field}: write a JSON object like the current value, e.g. {form_text(current)}.")
        return parsed
    if isinstance(current, list):
        return [v.strip() for v in text.split(",") if v.strip()]
    if isinstance(current, int) or current is None:
        try:
            return int(text)
        except ValueError:
            if isinstance(current, int):
                raise InvalidInput(f"{field}: '{text}' is not a whole number.") from None
    try:
        return float(text) if isinstance(current, float) else text
    except ValueError:
        raise InvalidInput(f"{field}: '{text}' is not a number.") from None


@bp.route("/records/<record_id>/correct", methods=["GET", "POST"])
@require("record.correct")
def correct(record_id: str) -> ResponseReturnValue:
    """Show a record's values; on POST store the new values as a new revision with the mandatory reason."""
    ctx = current_app.extensions["trialpro"]
    sites = staff().sites
    with reading(ctx.engine) as conn:
        rec = board.current_record(conn, record_id, sites)
        history = board.record_history(conn, record_id, sites)
        signed = covering(conn, rec["participant_id"], record_id)
    error = None
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()
        try:
            data = {k: parse_value(k, request.form.get(f"f_{k}", form_text(v)), v) for k, v in rec["data"].items()}
            if not reason:
                raise InvalidInput(t("correct.reason_missing"))
            if data == rec["data"]:
                raise InvalidInput(t("correct.nothing_changed"))
            from server.services.corrections import correct_record

            with writing(ctx.engine) as conn:
                stored = correct_record(conn, ctx.study, record_id, data, reason, staff().actor)
            flash(t("correct.saved", revision=stored["revision"]))
            return redirect(url_for("web.participant", participant_id=rec["participant_id"]))
        except TrialproError as exc:  # a refusal (bad value, missing reason, RecordInvalid) is shown, not a 500
            error = exc.message
    fields = [(k, form_text(v), request.form.get(f"f_{k}", form_text(v))) for k, v in rec["data"].items()]
    return render_template("correct.html", rec=rec, fields=fields, history=history, error=error, signed=signed,
                           reason=request.form.get("reason", ""), json=json), 422 if error else 200
