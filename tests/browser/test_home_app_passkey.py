"""The home app's key needs the phone's passkey (issue 24 point 2): real Chromium with a CDP virtual platform
authenticator (PRF extension, user verification). A copied browser profile and the right PIN do not open the
diary without the passkey's PRF output; a missing or cancelled passkey is not a wrong PIN; a browser that gives
no PRF output is refused before the activation code is used, and the code still works afterwards."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
from playwright.sync_api import Browser, Page

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.home_app_steps import (
    DOSE_TIME,
    PHONE,
    PIN,
    activate,
    add_authenticator,
    app_code,
    app_url,
    enter_today,
    new_page,
    participant_with_arm,
    phone,
    remove_authenticator,
    wait_synced,
)
from tests.live_server import ThreadServer

WRAP_INFO = b"trialpro home app: data key wrapping v2"   # docs/home-app.md, "Keys"
V1_INFO = b"trialpro home app: data key wrapping v1"
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# what the page's IndexedDB holds, bytes as base64: the key record (but the device secret, a CryptoKey no script
# can read: its bytes are taken from the profile's files) and every sealed entry
DUMP_KEYS = """async () => {
  const { openDB } = await import("/app/vendor/idb-8.0.4/index.js");
  const db = await openDB("trialpro-home");
  const b64 = (v) => btoa(String.fromCharCode(...new Uint8Array(v instanceof ArrayBuffer ? v : v.buffer)));
  const k = await db.get("device", "keys");
  const entries = {};
  for (const key of await db.getAllKeys("entries")) {
    const box = await db.get("entries", key);
    entries[key] = { iv: b64(box.iv), ct: b64(box.ct) };
  }
  return { layout: k.layout, salt: b64(k.salt), iterations: k.iterations, wrapped: b64(k.wrapped), wrong: k.wrong,
           passkey: { id: b64(k.passkey.id), rpId: k.passkey.rpId, prfSalt: b64(k.passkey.prfSalt) },
           secret_is: `${k.deviceSecret.constructor.name} extractable=${k.deviceSecret.extractable}`, entries };
}"""

# test-only: what the phone's authenticator answers for the stored passkey and PRF salt (the app's own unlock
# asks the same; nothing in the shipped app hands it out)
PRF_OF_THE_PHONE = """async (pk) => {
  const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const got = await navigator.credentials.get({ publicKey: { challenge: new Uint8Array(32), rpId: pk.rpId,
    allowCredentials: [{ type: "public-key", id: bytes(pk.id) }], userVerification: "required",
    extensions: { prf: { eval: { first: bytes(pk.prfSalt) } } } } });
  return btoa(String.fromCharCode(...new Uint8Array(got.getClientExtensionResults().prf.results.first)));
}"""

WRONG_COUNT = """async () => {
  const { openDB } = await import("/app/vendor/idb-8.0.4/index.js");
  return (await (await openDB("trialpro-home")).get("device", "keys")).wrong;
}"""


def _kek(secret: bytes, stretched: bytes, prf: bytes, info: bytes = WRAP_INFO) -> bytes:
    """The key-encryption key as docs/home-app.md defines it, computed outside the browser."""
    return HKDF(algorithm=SHA256(), length=32, salt=stretched + prf, info=info).derive(secret)


def test_a_copied_profile_and_the_right_pin_do_not_open_the_diary_without_the_phones_passkey(
        browser: Browser, home_server: ThreadServer, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, locale="en-GB", **PHONE)
    seen: dict[str, Any] = {}
    try:
        page = new_page(context)
        page.on("response", lambda r: seen.update(secret=r.json()["device_secret"])
                if r.url.endswith("/api/v1/app/activate") and r.status == 201 else None)
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        enter_today(page)
        wait_synced(page)
        held = page.evaluate(DUMP_KEYS)
        prf_of_the_phone = base64.b64decode(page.evaluate(PRF_OF_THE_PHONE, held["passkey"]))
    finally:
        context.close()
    secret = base64.urlsafe_b64decode(seen["secret"] + "=" * (-len(seen["secret"]) % 4))
    on_disk = b"".join(p.read_bytes() for p in profile.rglob("*") if p.is_file())
    assert secret in on_disk, "the copied profile should hold the device secret's bytes (docs/home-app.md)"
    assert held["layout"] == 2 and held["secret_is"] == "CryptoKey extractable=false"
    assert held["passkey"]["rpId"] == "localhost" and len(base64.b64decode(held["passkey"]["prfSalt"])) == 32
    stretched = hashlib.pbkdf2_hmac("sha256", PIN.encode(), base64.b64decode(held["salt"]), held["iterations"])
    wrapped = base64.b64decode(held["wrapped"])

    # everything a copied profile gives and the right PIN: no PRF output (v1's derivation, none, or a guess)
    for kek in (HKDF(algorithm=SHA256(), length=32, salt=stretched, info=V1_INFO).derive(secret),
                HKDF(algorithm=SHA256(), length=32, salt=stretched, info=WRAP_INFO).derive(secret),
                _kek(secret, stretched, bytes(32))):
        with pytest.raises(InvalidUnwrap):
            aes_key_unwrap(kek, wrapped)

    # the same derivation with the phone's PRF output opens the data key and the entry: the construction is right
    data_key = aes_key_unwrap(_kek(secret, stretched, prf_of_the_phone), wrapped)
    [(slot, box)] = held["entries"].items()
    plain = AESGCM(data_key).decrypt(base64.b64decode(box["iv"]), base64.b64decode(box["ct"]),
                                     f"entries/{slot}".encode())
    assert DOSE_TIME in json.dumps(json.loads(plain)["record"]["data"])
    # and it needs the right PIN too
    wrong_pin = hashlib.pbkdf2_hmac("sha256", b"000000", base64.b64decode(held["salt"]), held["iterations"])
    with pytest.raises(InvalidUnwrap):
        aes_key_unwrap(_kek(secret, wrong_pin, prf_of_the_phone), wrapped)


def _axe(page: Page, screen: str, results: dict[str, list[str]]) -> None:
    found = Axe().run(page, options=WCAG_21_AA)
    results[screen] = [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found.response["violations"]]


def _shot(page: Page, artifacts: Path, name: str) -> None:
    """A 360-wide picture of the screen for the reviewer (artifacts/ is not committed)."""
    out = artifacts / "web" / "issue24"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=out / f"{name}-360x640.png", full_page=True)


def _try_pin(page: Page, pin: str) -> str:
    page.fill("input[name=pin]", pin)
    page.click("button.primary")
    page.wait_for_selector("main .error:not([hidden]), main .refusal:not([hidden])")
    return page.locator("main .error:not([hidden]), main .refusal:not([hidden])").first.inner_text()


def test_without_the_phones_passkey_the_right_pin_does_not_open_and_uses_no_try(
        browser: Browser, home_server: ThreadServer, artifacts: Path) -> None:
    results: dict[str, list[str]] = {}
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        page.locator(".tools button").last.click()   # lock
        page.wait_for_selector("input[name=pin]")
        _shot(page, artifacts, "unlock-en")
        assert "4 tries left" in _try_pin(page, "000000")   # a wrong PIN still counts
        assert page.evaluate(WRONG_COUNT) == 1

        # the phone's screen-lock check fails (cancelled, a wrong fingerprint): the PIN is not tried
        page.webauthn.send("WebAuthn.setUserVerified",  # type: ignore[attr-defined]
                           {"authenticatorId": page.authenticator_id, "isUserVerified": False})  # type: ignore[attr-defined]
        said = _try_pin(page, PIN)
        assert "cancelled or did not succeed" in said and "no try was used" in said
        assert page.evaluate(WRONG_COUNT) == 1 and page.locator("#today-state").count() == 0
        _axe(page, "en unlock, passkey cancelled", results)
        _shot(page, artifacts, "unlock-passkey-cancelled-en")

        # the authenticator is gone (screen lock turned off, passkey provider gone): same, and says so
        remove_authenticator(page)
        said = _try_pin(page, PIN)
        assert "cannot be used now" in said and "no try was used" in said and "new activation code" in said
        assert page.evaluate(WRONG_COUNT) == 1 and page.locator("#today-state").count() == 0
        _axe(page, "en unlock, no passkey", results)
        _shot(page, artifacts, "unlock-no-passkey-en")
        page.click("#language")
        page.wait_for_selector("h2:has-text('解锁您的日志')")
        _shot(page, artifacts, "unlock-zh")
        said = _try_pin(page, PIN)
        assert "没有计入尝试次数" in said
        _axe(page, "zh unlock, no passkey", results)
        _shot(page, artifacts, "unlock-no-passkey-zh")
        assert page.evaluate(WRONG_COUNT) == 1
        assert page.js_errors == []  # type: ignore[attr-defined]
    assert results == {k: [] for k in results}, json.dumps(results, ensure_ascii=False, indent=1)


def test_a_browser_without_prf_is_refused_before_the_code_is_used_and_the_code_still_works(
        browser: Browser, home_server: ThreadServer, artifacts: Path) -> None:
    code = app_code(home_server, participant_with_arm(home_server))
    results: dict[str, list[str]] = {}
    with phone(browser, prf=False) as page:
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if "/api/" in r.url else None)

        page.goto(f"{home_server.url}/app/#activate={code}")   # at an IP: WebAuthn cannot work, says where it can
        said = _set_up(page)
        assert f"Open {app_url(home_server)}/app/#activate={code} instead" in said and "still valid" in said

        page.goto(f"{app_url(home_server)}/app/#activate={code}")
        said = _set_up(page)
        assert "PRF" in said and "Chrome on Android" in said and "Safari on iPhone" in said
        assert "your activation code is still valid" in said and "clinic visits" in said
        _axe(page, "en activation refused", results)
        _shot(page, artifacts, "activation-refused-en")
        page.click("#language")
        # the form is drawn again after the setting is stored (IndexedDB): filling it before that filled the old
        # inputs, and the new, empty form never showed the refusal (a timeout once in a full run)
        page.wait_for_function(
            "() => /[\\u4e00-\\u9fff]/.test(document.querySelector('main button.primary')?.textContent || '')")
        said = _set_up(page)
        assert "激活码仍然有效" in said and "门诊访视" in said
        _axe(page, "zh activation refused", results)
        _shot(page, artifacts, "activation-refused-zh")
        assert sent == [], "the code must not be sent before the passkey gives its PRF output"
        assert page.evaluate("""async () => {
            const { openDB } = await import("/app/vendor/idb-8.0.4/index.js");
            const db = await openDB("trialpro-home");
            return Promise.all(["device", "vault", "entries", "outbox"].map((s) => db.count(s)));
        }""") == [0, 0, 0, 0]

        remove_authenticator(page)          # the same code, now on a phone whose passkeys give PRF
        add_authenticator(page, prf=True)
        page.click("button.primary")
        page.wait_for_selector("#today-state")
        assert any(u.endswith("/api/v1/app/activate") for u in sent)
        assert page.js_errors == []  # type: ignore[attr-defined]
    assert results == {k: [] for k in results}, json.dumps(results, ensure_ascii=False, indent=1)


def _set_up(page: Page) -> str:
    page.fill("input[name=pin]", PIN)
    page.fill("input[name=pin-again]", PIN)
    page.click("button.primary")
    page.wait_for_selector("main .refusal[role=alert]:not([hidden])")
    return page.locator("main .refusal[role=alert]").inner_text()


def test_a_diary_set_up_with_the_first_key_layout_is_asked_to_be_set_up_again(
        browser: Browser, home_server: ThreadServer) -> None:
    with phone(browser) as page:
        activate(page, home_server.url, app_code(home_server, participant_with_arm(home_server)))
        page.evaluate("""async () => {   // the key record as the first version of the app wrote it
            const { openDB } = await import("/app/vendor/idb-8.0.4/index.js");
            const db = await openDB("trialpro-home");
            const { layout: _l, passkey: _p, ...v1 } = await db.get("device", "keys");
            await db.put("device", v1, "keys");
        }""")
        page.reload()
        assert page.locator("h2").inner_text() == "Set up your diary again"
        assert page.locator("input[name=pin]").count() == 0   # no PIN is asked for a key the passkey is not in
        page.click("button.primary")
        page.wait_for_selector("input[name=code]")
        assert page.evaluate("""async () => {
            const { openDB } = await import("/app/vendor/idb-8.0.4/index.js");
            return (await openDB("trialpro-home")).count("device");
        }""") == 0


def test_a_cancelled_or_missing_screen_lock_at_activation_is_refused_and_the_code_still_works(
        browser: Browser, home_server: ThreadServer) -> None:
    code = app_code(home_server, participant_with_arm(home_server))
    with phone(browser) as page:
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if "/api/" in r.url else None)
        page.goto(f"{app_url(home_server)}/app/#activate={code}")

        page.webauthn.send("WebAuthn.setUserVerified",  # type: ignore[attr-defined]
                           {"authenticatorId": page.authenticator_id, "isUserVerified": False})  # type: ignore[attr-defined]
        said = _set_up(page)     # the participant cancels the screen lock (or it fails)
        assert "cancelled or did not finish" in said and "your activation code is still valid" in said

        remove_authenticator(page)   # a phone without a screen lock the browser can use
        said = _set_up(page)
        assert "no screen lock" in said and "your activation code is still valid" in said
        assert sent == []

        add_authenticator(page, prf=True)
        page.click("button.primary")
        page.wait_for_selector("#today-state")
        assert page.js_errors == []  # type: ignore[attr-defined]
