"""What a participant does in the home diary app (issue 24), as steps the browser tests share: a phone-sized
Chromium context with a platform authenticator (Chromium's CDP virtual authenticator: passkeys with user
verification and the PRF extension, as a phone's screen lock gives them), the app at http://localhost:<port>
(WebAuthn needs a domain name, not 127.0.0.1), activation with a real code from the CLI, the PIN, one dosing
diary entry, waiting for sync."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from server.storage import participants, records
from server.storage.engine import reading
from shared.disposition import STATUSES
from tests.live_server import ThreadServer

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PIN = "482916"
DOSE_TIME = "07:41"      # an answer that must never be found in clear in the browser's storage
MISSED = "forgot"        # the missed-dose reason given (a choice code of the home dosing diary)


@contextmanager
def phone(browser: Browser, locale: str = "en-GB", *, prf: bool | None = True, **extra: Any) -> Iterator[Page]:
    """A fresh phone-sized context (its own storage, service worker, IndexedDB) and its page, with a platform
    authenticator that gives PRF outputs (``prf=False``: one without PRF; ``None``: no authenticator)."""
    context = browser.new_context(locale=locale, **PHONE, **extra)
    try:
        yield new_page(context, prf=prf)
    finally:
        context.close()


def new_page(context: BrowserContext, *, prf: bool | None = True) -> Page:
    page = context.new_page()
    page.set_default_timeout(20000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors  # type: ignore[attr-defined]
    if prf is not None:
        add_authenticator(page, prf=prf)
    return page


def add_authenticator(page: Page, *, prf: bool = True) -> str:
    """Give the page's tab a platform authenticator (internal transport, resident keys, user verification that
    always succeeds, PRF or not), as a phone with a screen lock has; its id is kept on the page."""
    cdp = getattr(page, "webauthn", None) or page.context.new_cdp_session(page)
    if getattr(page, "webauthn", None) is None:
        cdp.send("WebAuthn.enable")
        page.webauthn = cdp  # type: ignore[attr-defined]
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "ctap2Version": "ctap2_1", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "hasPrf": prf, "automaticPresenceSimulation": True}})
    page.authenticator_id = made["authenticatorId"]  # type: ignore[attr-defined]
    return made["authenticatorId"]


def remove_authenticator(page: Page) -> None:
    """Take the phone's authenticator away (a screen lock turned off, a passkey provider gone)."""
    page.webauthn.send("WebAuthn.removeVirtualAuthenticator",  # type: ignore[attr-defined]
                       {"authenticatorId": page.authenticator_id})  # type: ignore[attr-defined]


def app_url(server_or_url: ThreadServer | str) -> str:
    """The server's address by name, as the app must be opened for WebAuthn: http://localhost:<port>."""
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url
    return url.replace("://127.0.0.1:", "://localhost:")


def participant_with_arm(server: ThreadServer) -> str:
    """A randomised participant still on study (the app asks the diaries of the arm's drugs; a participant who
    completed or discontinued gets no activation code) who keeps no phone diary yet: the demo gives two
    participants a phone diary (server/services/demo_home_entries.py), and the tests count what they store."""
    with reading(server.ctx.engine) as conn:
        for pid in participants.every_participant_id(conn):
            row = participants.details(conn, pid)
            if row and row["arm"] and row["status"] not in STATUSES and not has_home_entries(server, pid):
                return pid
    raise AssertionError("the demo has no randomised participant on study")


def app_code(server: ThreadServer, participant_id: str, *, cli: bool = False) -> str:
    """A one-time activation code for the participant, as staff issue it: through the service the web page
    calls, or (``cli``) through `trialpro-server device app-code`, which prints it as its last line."""
    if cli:
        done = subprocess.run([sys.executable, "-m", "server.cli", "device", "app-code", participant_id,
                               "--data-dir", str(server.ctx.config.data_dir)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]
    from server.services.home_app import create_code

    with server.ctx.engine.begin() as conn:
        return create_code(conn, server.ctx.study, participant_id=participant_id, actor="test").code


def activate(page: Page, server_url: str, code: str, pin: str = PIN) -> None:
    """Open the QR code's link (by name: localhost), choose the PIN, wait for the diary's first screen."""
    page.goto(f"{app_url(server_url)}/app/#activate={code}")
    page.fill("input[name=pin]", pin)
    page.fill("input[name=pin-again]", pin)
    page.click("button.primary")
    page.wait_for_selector("#today-state")
    wait_for_service_worker(page)


def wait_for_service_worker(page: Page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def unlock(page: Page, pin: str = PIN) -> None:
    page.fill("input[name=pin]", pin)
    page.click("button.primary")
    page.wait_for_selector("#today-state")


def open_daily_diary(page: Page) -> None:
    page.locator("main button.primary").first.click()
    page.wait_for_selector(".diary-form")


def fill_dosing(page: Page, time: str = DOSE_TIME, reason: str = MISSED) -> None:
    """The first drug of the arm taken at ``time``, every other one not taken for ``reason``."""
    drugs = page.locator("section.drug")
    for i in range(drugs.count()):
        drug = drugs.nth(i)
        if i == 0:
            drug.locator("input[type=radio][value=true]").check()
            drug.locator("input[type=time]").fill(time)
        else:
            drug.locator("input[type=radio][value=false]").check()
            drug.locator(f"input[type=radio][value='\"{reason}\"']").check()


def save(page: Page) -> None:
    page.locator(".actions button.primary").click()


def enter_today(page: Page) -> None:
    open_daily_diary(page)
    fill_dosing(page)
    save(page)
    page.wait_for_selector("#today-state.done")


def wait_synced(page: Page) -> None:
    page.wait_for_selector("#status[data-phase=done][data-waiting='0']", state="attached", timeout=60000)


def has_home_entries(server: ThreadServer, participant_id: str) -> bool:
    """Whether the server holds any home entry (no visit, a diary date) of the participant."""
    with reading(server.ctx.engine) as conn:
        return any(r.get("visit_id") is None and "diary_date" in (r.get("data") or {})
                   for r in records.revisions_of_participant(conn, participant_id))


def stored_revisions(server: ThreadServer, participant_id: str, instrument_id: str) -> list[dict[str, Any]]:
    """Every revision the server stored of the participant's entries of ``instrument_id``."""
    with reading(server.ctx.engine) as conn:
        return [r for r in records.revisions_of_participant(conn, participant_id)
                if r.get("instrument_id") == instrument_id and r.get("visit_id") is None]


def app_static() -> Path:
    return Path(__file__).resolve().parents[2] / "server" / "web" / "app_static"
