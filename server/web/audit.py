"""Audit viewer: newest entries first, search, and the chain verification result on demand."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from server.services import checkpoints
from server.services import dashboard as board
from server.storage.engine import reading
from server.web.blueprint import bp
from server.web.session import require, staff
from shared.errors import InvalidInput

PAGE = 50


@bp.get("/audit")
@require("audit.view")
def audit() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    q = request.args.get("q", "")[:100]
    before = request.args.get("before")
    if before is not None and not (before.isascii() and before.isdigit() and len(before) <= 18):
        raise InvalidInput(f"before: {before[:40]!r} is not an entry number (write digits 0-9, at most 18).")
    verification = None
    with reading(ctx.engine) as conn:
        every_site = {s.id for s in ctx.study.sites} <= staff().sites
        entries = board.search_audit(conn, q, before_seq=int(before) if before else None, limit=PAGE,
                                     sites=None if every_site else staff().sites, actor=staff().actor)
        if request.args.get("verify") == "1":
            verification = checkpoints.verify(conn, ctx.config.data_dir)
    return render_template("audit.html", entries=entries, q=q, verification=verification,
                           summary=checkpoints.summary(verification) if verification else None,
                           older=entries[-1]["seq"] if len(entries) == PAGE else None)
