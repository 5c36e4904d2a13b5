"""Exports page: pick a format (the formats of server/exports/registry.py) and a site; download a zip.

The export itself, its checks and its audit entry are ``registry.run_export``; this
page only scopes it to the viewer's sites and zips the folder.
"""

from __future__ import annotations

import importlib.util
import io
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue

from server.exports import registry
from server.web.blueprint import bp
from server.web.session import require, staff
from shared.errors import Forbidden

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


@bp.get("/exports")
@require("export.run")
def exports() -> ResponseReturnValue:
    study = current_app.extensions["trialpro"].study
    return render_template("exports.html", formats=available_formats(),
                           sites=[s for s in study.sites if s.id in staff().sites])


@bp.post("/exports")
@require("export.run")
def run_export() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    fmt = request.form.get("format", "")
    site = _site_for(request.form.get("site", ""))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{ctx.study.study.id}-{fmt}-{site or 'all'}-{stamp}"
    with tempfile.TemporaryDirectory(prefix="trialpro-export-") as tmp:
        out = Path(tmp) / name
        registry.run_export(ctx.engine, ctx.study, fmt, out, site_id=site, date_from=request.form.get("from") or None,
                            date_to=request.form.get("to") or None, actor=staff().actor, bom=WEB_CSV_BOM)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    zf.write(path, f"{name}/{path.relative_to(out)}")
    buf.seek(0)
    return send_file(buf, mimetype="application/zip", as_attachment=True, download_name=f"{name}.zip")
