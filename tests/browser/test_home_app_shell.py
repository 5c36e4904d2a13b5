"""The home diary app's shell (issue 24 point 2): served at /app/ without sign-in, installable (manifest, icons,
a service worker that opens it offline), and the content hash of an envelope the app builds is the one
shared/records.py computes, byte for byte."""

from __future__ import annotations

import io

import httpx
from PIL import Image
from playwright.sync_api import Browser

from shared.records import ENVELOPE_FIELDS, canonical_record, record_hash
from tests.browser.home_app_steps import app_url, phone
from tests.live_server import ThreadServer


def test_the_app_is_an_installable_web_app_served_without_sign_in(browser: Browser, home_server: ThreadServer) -> None:
    page_html = httpx.get(f"{home_server.url}/app/").text
    assert '<link rel="manifest" href="manifest.webmanifest">' in page_html
    manifest = httpx.get(f"{home_server.url}/app/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/app/" and body["display"] == "standalone" and body["name"] and body["short_name"]
    assert "居家日志" in body["name"] and "home diary" in body["name"] and body["lang"] == "zh-CN"   # both languages
    assert body["theme_color"]
    sizes = {}
    for icon in body["icons"]:
        png = Image.open(io.BytesIO(httpx.get(f"{home_server.url}/app/{icon['src']}").content))
        sizes[icon["sizes"]] = png.size
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}
    assert httpx.get(f"{home_server.url}/app/../app.py").status_code == 404
    bare = httpx.get(f"{home_server.url}/app")
    assert bare.status_code == 308 and bare.headers["location"].endswith("/app/")
    assert "script-src 'self'" in httpx.get(f"{home_server.url}/app/").headers["content-security-policy"]
    with phone(browser) as page:
        page.goto(f"{app_url(home_server)}/app/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/app/sw.js")
        page.context.set_offline(True)
        page.reload()    # opens offline from the service worker's cache
        page.wait_for_selector("input[name=code]")   # the app draws its first screen once its modules ran
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_an_envelope_built_by_the_app_hashes_as_shared_records_does(browser: Browser,
                                                                    home_server: ThreadServer) -> None:
    envelope = {
        "record_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "revision": 2, "kind": "instrument_response",
        "study_id": "S", "study_version": "1.0.0", "site_id": "PKU", "participant_id": "PKU-001", "visit_id": None,
        "instrument_id": "diary", "instrument_version": "1.0", "collected_at": "2026-11-25T07:41:12.532Z",
        "collected_at_local": "2026-11-25T15:41:12.532+08:00", "entered_by": "participant", "device_id": "app-1",
        "correction_reason": "记错了 \"time\" \\ \u2028 \u0001 \u007f 🙂", "language": "zh",
        "data": {"z": [1, -0, 9007199254740991, True, None, {}], "diary_date": "2026-11-25", "é": "é", "A": "\t\n",
                 "doses": {"b": {"taken": False, "missed_reason": "forgot"},
                           "a": {"taken": True, "time_taken": "07:41"}}},
    }
    with phone(browser) as page:
        page.goto(f"{app_url(home_server)}/app/")
        canonical, digest, fields = page.evaluate("""async (env) => {
            const m = await import("/app/js/records.js");
            return [m.canonicalEnvelope(env), await m.contentHash(env), m.ENVELOPE_FIELDS];
        }""", envelope)
    assert fields == list(ENVELOPE_FIELDS)
    assert canonical.encode() == canonical_record(envelope)
    assert digest == record_hash(envelope)
