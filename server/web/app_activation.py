"""Participant page button "Home diary: activate" (issue 24): a one-time code and its QR code for the
participant's phone. Site staff who enter data (nurse, investigator) of the participant's site; never a monitor."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from server.services import home_app
from server.storage import devices as device_store
from server.storage.engine import reading, writing
from server.web.blueprint import bp
from server.web.i18n import t
from server.web.session import require, staff
from shared.errors import PartMissing


def qr_svg(text: str, title: str) -> Markup:
    """``text`` as an inline SVG QR code (segno: no image file, nothing the page's CSP would block)."""
    try:
        import segno
    except ModuleNotFoundError as exc:
        raise PartMissing.for_module(exc.name, "The activation QR code") from None
    # segno writes path data and the title XML-escaped: nothing of the input reaches the markup unescaped
    return Markup(segno.make(text, error="m").svg_inline(scale=6, border=4, title=title))  # noqa: S704


def phone_base(url_root: str) -> str:
    """The server's address for the app link: a loopback IP (the demo) becomes ``localhost``, since WebAuthn (the
    passkey the app's key needs, docs/home-app.md) refuses an IP address as its domain; any other address as is."""
    parts = urlsplit(url_root)
    if parts.hostname and (parts.hostname == "::1" or parts.hostname.startswith("127.")):
        netloc = "localhost" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return url_root


@bp.post("/participants/<participant_id>/home-diary")
@require("app.activate")
def app_code(participant_id: str) -> ResponseReturnValue:
    """Make the code (audited ``app.code_create``) and show it once with the QR code of the app link."""
    ctx = current_app.extensions["trialpro"]
    with writing(ctx.engine) as conn:
        made = home_app.create_code(conn, ctx.study, participant_id=participant_id, actor=staff().actor,
                                    sites=staff().sites)
    base = phone_base(request.url_root)
    link = made.link(base)
    with reading(ctx.engine) as conn:
        phones = device_store.apps_of_participant(conn, participant_id)
    return render_template("app_code.html", made=made, link=link, app_url=base.rstrip("/") + "/app/",
                           qr=qr_svg(link, t("home.qr")), phones=phones)


@bp.post("/participants/<participant_id>/home-diary/phones/<device_id>/revoke")
@require("app.activate")
def revoke_phone(participant_id: str, device_id: str) -> ResponseReturnValue:
    """Revoke one of the participant's phones from the activation page (audited ``device.revoke``)."""
    ctx = current_app.extensions["trialpro"]
    with writing(ctx.engine) as conn:
        home_app.revoke_phone(conn, participant_id=participant_id, device_id=device_id, actor=staff().actor,
                              sites=staff().sites, reason=request.form.get("reason", "").strip() or None)
    flash(t("devices.revoked", device=device_id))
    return redirect(url_for("web.participant", participant_id=participant_id))
