"""The one place that turns problems into HTTP answers: RFC 9457 problem details, never an HTML 500."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from server.storage.engine import DATABASE_REFUSALS
from shared.errors import TrialproError

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://trialpro.invalid/problems/"

_HTTP_ADVICE = {
    400: "The request could not be read. Send a JSON body with Content-Type: application/json.",
    404: "There is nothing at this address. See /api/v1/openapi.json for the API.",
    405: "This address does not accept that method. See /api/v1/openapi.json.",
    413: "The request body is too large. Send smaller batches.",
    415: "Send the body as JSON with Content-Type: application/json.",
}


def problem(status: int, code: str, title: str, detail: str, extra: dict[str, Any] | None = None) -> Response:
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "detail": detail, "code": code,
            "instance": request.path}
    if extra:
        body.update(extra)
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = "application/problem+json"
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(TrialproError)
    def _trialpro(exc: TrialproError) -> Response:
        return problem(exc.status, exc.code, exc.title, exc.message, exc.details or None)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = _HTTP_ADVICE.get(status, exc.description or "The request failed.")
        return problem(status, f"http.{status}", exc.name, detail)

    def _database(exc: Exception) -> Response:
        # e.g. two retries of the same batch racing, a lock timeout, the database restarting: the
        # transaction was rolled back, so the honest answer is "nothing stored, try again"
        log.warning("database refused %s %s: %s", request.method, request.path, exc.__class__.__name__)
        resp = problem(503, "server.database_busy", "Database busy",
                       "The database could not complete the request and stored nothing from it. "
                       "Retry in a few seconds; the kiosk does this by itself.")
        resp.headers["Retry-After"] = "2"
        return resp

    for refusal in DATABASE_REFUSALS:
        app.register_error_handler(refusal, _database)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(500, "server.unexpected", "Unexpected server error",
                       "The server could not complete the request and stored nothing from it. "
                       "Retry; if it happens again, tell the trialpro administrators.")
