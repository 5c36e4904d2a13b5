"""Audit viewer: newest entries first, search, sort and pages done in SQL, each entry's old and new values as a
readable field → value list, and the chain verification result on demand."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from server.services import checkpoints, record_view
from server.services import queries as query_service
from server.storage import audit as audit_store
from server.storage.engine import reading
from server.web.blueprint import bp
from server.web.i18n import language, t
from server.web.paging import Table, table_request
from server.web.session import require, staff
from shared.errors import InvalidInput


def readable(text: str | None, zh: Mapping[str, str] | None = None) -> list[tuple[str, str, bool]] | str:
    """An entry's stored old/new value as (field, value, is data) triples when it is a JSON object (nested values
    as compact JSON), else the text as it is: the page lists fields instead of one long line of JSON. A value
    ``zh`` has the Chinese of (a rule's query message, written in both languages) is shown in Chinese, as words,
    not data."""
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict):
        return text
    out = []
    for k, v in value.items():
        shown = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)
        out.append((str(k), zh[shown], False) if zh and shown in zh else (str(k), shown, True))
    return out


@bp.get("/audit")
@require("audit.view")
def audit() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    req = table_request(audit_store.AUDIT_SORTS, "seq", "desc")
    before = request.args.get("before")
    if before is not None and not (before.isascii() and before.isdigit() and len(before) <= 18):
        raise InvalidInput(f"before: {before[:40]!r} is not an entry number (write digits 0-9, at most 18).",
                           details={"field": "before", "value": before[:40], "allowed": "0-9"})
    verification = None
    with reading(ctx.engine) as conn:
        every_site = {s.id for s in ctx.study.sites} <= staff().sites
        page = audit_store.page_of_entries(conn, req, sites=None if every_site else staff().sites,
                                           actor=staff().actor, before_seq=int(before) if before else None)
        details = record_view.audit_details(conn, ctx.study, page.rows, language())
        zh = query_service.messages_in_chinese(conn, page.rows) if language() == "zh" else {}
        if request.args.get("verify") == "1":
            verification = checkpoints.verify(conn, ctx.config.data_dir)
    entries: list[dict[str, Any]] = [{**e, "old_fields": readable(e["old"], zh),
                                      "new_fields": readable(e["new"], zh),
                                      "detail": details.get(e["seq"])} for e in page.rows]
    return render_template("audit.html", table=Table(page, {"before": before}), entries=entries, q=req.q,
                           verification=verification, summary=summary(verification) if verification else None)


def summary(result: checkpoints.AuditVerification) -> str:
    """``checkpoints.summary`` in the viewer's language (the broken entry's problem stays as the walk said it)."""
    if not result.ok:
        seq = result.chain.first_bad_seq if not result.chain.ok else result.first_bad_seq
        return t("audit.summary_broken", seq=seq, problem=result.chain.problem if not result.chain.ok
                 else result.problem)
    cp = result.latest_checkpoint
    return (t("audit.summary_ok", entries=result.chain.entries, checkpoints=result.checkpoints_checked)
            + (t("audit.summary_witnesses", n=result.witnesses_checked) if result.witnesses_checked else "")
            + (t("audit.summary_newest", seq=cp.head_seq, at=cp.signed_at) if cp else t("audit.summary_none")))
