"""The admin pages' blueprint; each page module adds its routes to ``bp``. Errors become an HTML page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from server.web.i18n import problem_message
from server.web.session import check_csrf, check_request_text
from shared.errors import TrialproError

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")


@bp.before_request
def _csrf() -> None:
    check_request_text()
    check_csrf()


@bp.errorhandler(TrialproError)
def _page_problem(exc: TrialproError) -> ResponseReturnValue:
    return render_template("error.html", message=problem_message(exc), status=exc.status), exc.status
