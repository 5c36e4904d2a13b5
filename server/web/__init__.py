"""Admin web pages (server-rendered Jinja, no build step) and the session-authenticated admin JSON API.

``register(app)`` is called by create_app(): it sets the session cookie flags,
the security headers on every response and CSRF checks on every form. (Signed
audit checkpoints are the job runner's work, never a request's.)
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask, Response, request
from markupsafe import Markup, escape

from server.config import ServerConfig
from server.web import admin_api, home_app, i18n, i18n_data, session, site_dates
from server.web.blueprint import bp
from server.web.i18n_guide import action_label

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _import_pages() -> None:
    from server.web import (  # noqa: F401
        adverse_events,
        app_activation,
        audit,
        dashboard,
        deviations,
        devices,
        exports,
        participants,
        queries,
        screening,
        signin,
        signoff,
        users,
    )


_SEPARATOR = re.compile(r"([._:-])")
_LONG_WORD = re.compile(r"\S{20,}")
_CHUNK = re.compile(r"\S{1,16}|\s+")
_HTML_SPECIAL = re.compile(r"[&<>'\"]")


def breakable(code: object) -> Markup:
    """A code (audit action, actor, record id) that may wrap only after its ``.``, ``_``, ``-`` and ``:``, never
    inside a word:
    a narrow column otherwise broke "instrument_response.correct" every three letters.

    Plain string work around one ``escape`` per piece: the audit page calls this for every field name and value
    of its 50 entries, and building each piece as ``Markup(...).format`` was most of the page's time."""
    text = str(code if code is not None else "")
    esc = str if _HTML_SPECIAL.search(text) is None else escape   # most codes have nothing to escape
    out: list[str] = []
    for part in _SEPARATOR.split(text):
        if part in "._-:":          # a separator (or the empty piece around one): nothing to escape
            out.append(part + "<wbr>")
        elif _LONG_WORD.search(part):   # a hash or key has no word to keep whole: it may wrap every 16 characters
            out.append("<wbr>".join(esc(chunk) for chunk in _CHUNK.findall(part)))
        else:
            out.append(esc(part))
    return Markup("".join(out))  # noqa: S704 - every piece is escaped above or a separator with <wbr>


def register(app: Flask, config: ServerConfig) -> None:
    """Register the pages and the admin API on ``app``."""
    _import_pages()
    app.config.update(SESSION_COOKIE_SECURE=config.secure_cookies and not config.testing, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="trialpro_session",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours))
    app.jinja_env.globals.update(t=i18n.t, language=i18n.language, csrf_token=session.csrf_token,
                                 current_staff=session.current_staff, arm_name=i18n.arm_name,
                                 action_label=action_label)
    app.jinja_env.filters["seriousness"] = i18n.seriousness
    app.jinja_env.filters.update(ae_outcome=i18n.ae_outcome, entity_type=i18n.entity_type, breakable=breakable)
    site_dates.register_filters(app)
    i18n_data.register(app)     # stored texts the source has in Chinese (issue 23, point 5)
    app.register_blueprint(bp)
    app.register_blueprint(admin_api.bp)
    app.register_blueprint(home_app.bp)  # issue 24: the participants' app at /app/, no sign-in

    @app.after_request
    def _headers(resp: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        if request.path.startswith("/api/") or resp.mimetype == "text/html":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
