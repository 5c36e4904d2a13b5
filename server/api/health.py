"""GET /healthz: a small status document for load balancers and the README check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from server.storage.engine import ping, reading

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    ctx = current_app.extensions["trialpro"]
    with reading(ctx.engine) as conn:
        ping(conn)
    return jsonify(status="ok", study=ctx.study.study.id, study_version=ctx.study.study.version,
                   database=ctx.engine.dialect.name)
