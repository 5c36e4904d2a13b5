"""The one place that turns problems into HTTP answers: RFC 9457 problem details, never an HTML 500."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from server.storage.engine import DATABASE_REFUSALS
from shared.errors import CATALOGUE, HTTP_ADVICE, DatabaseBusy, ServerUnexpected, TrialproError, http_code

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://trialpro.invalid/problems/"

def problem(code: str, detail: str, extra: dict[str, Any] | None = None) -> Response:
    """The problem-details answer for catalogue ``code``: its status and title come from the catalogue."""
    entry = CATALOGUE[code]
    body = {"type": PROBLEM_TYPE + code, "title": entry.title, "status": entry.status, "detail": detail,
            "code": code, "instance": request.path}
    if extra:
        body.update(extra)
    resp = jsonify(body)
    resp.status_code = entry.status
    resp.mimetype = "application/problem+json"
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(TrialproError)
    def _trialpro(exc: TrialproError) -> Response:
        if exc.status >= 500:   # the server's own fault (a bug, a broken key or copy): the operator must see it
            log.error("%s on %s %s: %s", exc.code, request.method, request.path, exc.message)
        return problem(exc.code, exc.message, exc.details or None)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        code = http_code(exc.code or 500)
        if code not in CATALOGUE:  # a status the web framework did not have when the catalogue was written
            code = http_code(500)
        return problem(code, HTTP_ADVICE.get(exc.code or 500, exc.description or "The request failed."))

    def _database(exc: Exception) -> Response:
        # e.g. two retries of the same batch racing, a lock timeout, the database restarting: the
        # transaction was rolled back, so the honest answer is "nothing stored, try again"
        log.warning("database refused %s %s: %s", request.method, request.path, exc.__class__.__name__)
        resp = problem(DatabaseBusy.code,
                       "The database could not complete the request and stored nothing from it. "
                       "Retry in a few seconds; the kiosk does this by itself.")
        resp.headers["Retry-After"] = "2"
        return resp

    for refusal in DATABASE_REFUSALS:
        app.register_error_handler(refusal, _database)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(ServerUnexpected.code,
                       "The server could not complete the request and stored nothing from it. "
                       "Retry; if it happens again, tell the trialpro administrators.")
