"""The participants' home diary app (issue 24): static files served at ``/app/`` without sign-in.

The app is plain ES modules with no build step (``server/web/app_static/``, see docs/home-app.md); everything
it knows about the study it asks ``/api/v1/app/config`` for with its own credential, so nothing here reads the
database or the session. The service worker is served from ``/app/sw.js`` so its scope is ``/app/``, and is
never cached by HTTP (a new version must reach the phone at its next visit online).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, send_from_directory
from flask.typing import ResponseReturnValue

STATIC = Path(__file__).parent / "app_static"

# the app's own policy: the web pages' one plus the manifest and the service worker, and nothing from elsewhere
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

bp = Blueprint("home_app", __name__)

_TYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript", ".png": "image/png"}


def _file(path: str) -> Response:
    resp = send_from_directory(STATIC, path, max_age=0)
    suffix = Path(path).suffix
    if suffix in _TYPES:
        resp.mimetype = _TYPES[suffix]
    resp.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    resp.headers["Cache-Control"] = "no-cache"  # revalidate online; offline the service worker's cache serves
    return resp


@bp.get("/app")
def bare() -> ResponseReturnValue:
    """``/app`` without the slash: the app's relative links need ``/app/``."""
    return redirect("/app/", code=308)


@bp.get("/app/")
def index() -> ResponseReturnValue:
    """The app shell (the page itself; the rest it loads as modules)."""
    return _file("index.html")


@bp.get("/app/<path:path>")
def static_file(path: str) -> ResponseReturnValue:
    """One file of the app shell (404 for anything not in the folder, ``..`` included)."""
    return _file(path)
