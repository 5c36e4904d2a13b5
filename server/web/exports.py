"""Exports page: pick a format (each with what it is for and who reads it), a site and a date range; the export
runs as a background job; download the zip when ready.

The checks, the writing and its audit entry are ``registry.run_export``, run by the
job runner through ``services.export_jobs``; this page scopes the request to the
viewer's sites, queues it (the dates checked by the CLI's own rule, ``registry.parse_day``: a refusal is shown
beside its field with the CLI's message, nothing queued), shows progress (``/exports/jobs/<id>.json`` polled by
``static/exports.js``) and hands out the finished file from disk.
"""

from __future__ import annotations

import importlib.util

from flask import current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from server.exports import registry
from server.services import export_jobs
from server.storage.jobs import DONE, QUEUED, RUNNING, Job
from server.web.blueprint import bp
from server.web.i18n import language, t
from server.web.session import require, staff
from shared.errors import ExportRefused, Forbidden

# Downloads are opened in Excel, which reads UTF-8 as the local code page without a byte-order mark (Chinese
# text turns to mojibake in a Chinese-locale Excel): the web's CSV always carries one; the CLI asks for --bom.
WEB_CSV_BOM = True


def available_formats() -> list[str]:
    """Formats whose writer module is installed in this build."""
    return [f for f in registry.FORMATS
            if importlib.util.find_spec(registry.WRITERS[f].split(":")[0]) is not None]


def _site_for(choice: str) -> str | None:
    """The site to export for this viewer: None (all) only when the viewer sees every site."""
    study = current_app.extensions["trialpro"].study
    mine = staff().sites
    if choice:
        if choice not in mine:
            raise Forbidden(f"site: {choice!r} is not one of your sites ({', '.join(sorted(mine))}).")
        return choice
    if {s.id for s in study.sites} <= mine:
        return None
    if len(mine) == 1:
        return next(iter(mine))
    raise Forbidden("You see only some sites: choose one of them for the export.")


def _view(job: Job) -> dict[str, object]:
    """What the page and the progress endpoint show of a job."""
    return {**job.as_dict(), "format": job.params.get("format"), "site": job.params.get("site"),
            "date_from": job.params.get("from"), "date_to": job.params.get("to"),
            "status_text": t(f"exports.status.{job.status}"),
            "download_url": url_for("web.export_download", job_id=job.id) if job.status == DONE else None}


def _page(errors: dict[str, str] | None = None, sent: dict[str, str] | None = None) -> ResponseReturnValue:
    """The exports page, with the refusals of a sent form beside their fields (422) when there are any."""
    ctx = current_app.extensions["trialpro"]
    jobs = [_view(j) for j in export_jobs.jobs_of(ctx.engine, staff().actor)]
    busy = any(j["status"] in (QUEUED, RUNNING) for j in jobs)
    return render_template("exports.html", formats=available_formats(), jobs=jobs, busy=busy,
                           sites=[s for s in ctx.study.sites if s.id in staff().sites], errors=errors or {},
                           sent=sent or {}), 422 if errors else 200


def refusal_text(exc: ExportRefused) -> str:
    """A refused export in the viewer's language: in English the CLI's very message (field, value, rule); in
    Chinese the same field, value and rule in Chinese."""
    details = exc.details or {}
    if language() != "zh":
        return exc.message
    field, value, allowed = details.get("field"), details.get("value"), details.get("allowed")
    if allowed == "YYYY-MM-DD":
        return t("exports.bad_date", field=t(f"exports.field.{field}"), value=value)
    if field == "from":
        return t("exports.bad_range", value=value, to=str(allowed).removeprefix("<= "))
    return t("exports.bad_choice", field=t(f"exports.field.{field}"), value=value)


@bp.get("/exports")
@require("export.run")
def exports() -> ResponseReturnValue:
    return _page()


@bp.post("/exports")
@require("export.run")
def run_export() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    fmt = request.form.get("format", "")
    if fmt not in available_formats():   # also a format whose optional part is not installed here
        raise ExportRefused(
            f"format: {fmt!r} is not an export format of this server (allowed: {', '.join(available_formats())})",
            details={"field": "format", "value": fmt, "allowed": available_formats()})
    if any(j.status in (QUEUED, RUNNING) for j in export_jobs.jobs_of(ctx.engine, staff().actor)):
        flash(t("exports.running"))
        return redirect(url_for("web.exports"), code=303)
    sent = {k: request.form.get(k, "") for k in ("format", "site", "from", "to")}
    try:
        export_jobs.request_export(ctx.engine, ctx.study, export_jobs.ExportRequest(
            format=fmt, site_id=_site_for(sent["site"]), date_from=sent["from"].strip() or None,
            date_to=sent["to"].strip() or None, bom=WEB_CSV_BOM, actor=staff().actor))
    except ExportRefused as exc:         # beside the field it names, the form kept as it was sent
        return _page({str((exc.details or {}).get("field", "format")): refusal_text(exc)}, sent)
    flash(t("exports.queued"))
    return redirect(url_for("web.exports"), code=303)


@bp.get("/exports/jobs/<int:job_id>.json")
@require("export.run")
def export_job(job_id: int) -> ResponseReturnValue:
    """Progress of one of the viewer's export jobs (polled by the exports page)."""
    ctx = current_app.extensions["trialpro"]
    return jsonify(_view(export_jobs.job_of(ctx.engine, job_id, staff().actor)))


@bp.get("/exports/jobs/<int:job_id>/download")
@require("export.run")
def export_download(job_id: int) -> ResponseReturnValue:
    """The finished zip, streamed from disk (audited as ``export.download``)."""
    ctx = current_app.extensions["trialpro"]
    path, name = export_jobs.download(ctx.engine, ctx.config.data_dir, job_id, staff().actor)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)



