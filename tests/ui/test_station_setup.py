"""A new kiosk is set up from its own screens (issue 22, point 1): passphrase, server address and enrolment code
on the set-up screen, enrolment with a real server on 127.0.0.1, the first sync (staff accounts), then a staff
member signs in on the real window. Wrong code, no server, a bad address and another kind of server are each
said beside their field in the screen's language, never as a traceback or a raw socket error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_client.services import opening
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncSettings
from desktop_client.ui.unlock import ENROL, RECOVERY, UnlockScreen
from tests.factories import enrolment_code, server_staff
from tests.live_server import ThreadServer, free_port
from tests.ui.kiosk_driver import click, sign_in, widget_texts
from tests.ui.test_kiosk_screens import too_small, untranslated

FAST = SyncSettings(attempts=2, backoff_multiplier=0.01, backoff_max_seconds=0.05, timeout_seconds=5)
PASSPHRASE = "clinic passphrase 22"
UNKNOWN_CODE = "7K3M-Q9TD-X2WB-HN4R"   # the right shape, never issued
# what stays Latin in the Chinese messages: example addresses, the product's name, the code's shape
LATIN_IN_MESSAGES = ("https://trialpro.example.org", "http://192.168.1.10:8000", "trialpro", "XXXX-XXXX-XXXX-XXXX")


@pytest.fixture
def lang(request: pytest.FixtureRequest, qapp: Any) -> Iterator[str]:
    from desktop_client.bootstrap import ensure_application
    from desktop_client.ui.i18n import Language

    ensure_application()
    language = Language(request.param)
    try:
        yield request.param
    finally:
        language.set("en")


def _screen(qtbot: Any, folder: Path, server: ThreadServer, **kw: Any) -> UnlockScreen:
    screen = UnlockScreen(folder, study=server.ctx.study, sync_settings=FAST, **kw)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def _type(qtbot: Any, screen: UnlockScreen, *, url: str, code: str, passphrase: str = PASSPHRASE) -> None:
    for field, text in ((screen.passphrase, passphrase), (screen.repeat, passphrase), (screen.server_url, url),
                        (screen.code, code)):
        if field.isVisible():
            field.clear()
            qtbot.keyClicks(field, text)


def _shoot(screen: UnlockScreen, artifacts: Path, lang: str, name: str) -> None:
    out = artifacts / "screens" / f"{lang}-1280x800"
    out.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(out / f"00-station-set-up-{name}.png"))


@pytest.mark.parametrize("lang", ["en", "zh"], indirect=True)
def test_a_new_kiosk_is_set_up_enrolled_and_synced_from_its_screens_then_staff_sign_in(
        qtbot: Any, tmp_path: Path, kiosk_server: ThreadServer, artifacts: Path, lang: str) -> None:
    from desktop_client.bootstrap import build_main_window
    from desktop_client.ui.main_window import ShellConfig

    server_staff(kiosk_server)                      # nurse.a of the first site, known only to the server
    code = enrolment_code(kiosk_server)
    folder = tmp_path / "new-kiosk"
    screen = _screen(qtbot, folder, kiosk_server)
    for name in ("passphrase", "repeat", "server-url", "enrolment-code", "station-name"):
        assert screen.findChild(type(screen.passphrase), name).isVisible(), name
    _shoot(screen, artifacts, lang, "empty")
    assert too_small(screen) == []
    if lang == "zh":
        assert untranslated(widget_texts(screen, visible_only=True), extra=(str(folder),)) == []
    _type(qtbot, screen, url=kiosk_server.url, code=code.lower().replace("-", " "))   # as people type it
    _shoot(screen, artifacts, lang, "typed")
    opened: list[Any] = []
    screen.opened.connect(opened.append)
    click(qtbot, screen.button)
    qtbot.waitUntil(lambda: screen.stage == RECOVERY and not screen.busy, timeout=30000)
    _shoot(screen, artifacts, lang, "recovery-key")
    assert not opened                                # the recovery key is shown once, before anything else
    click(qtbot, screen.button)
    assert len(opened) == 1
    station = Station(store=opened[0], study=kiosk_server.ctx.study)
    try:
        assert station.is_enrolled and station.last_sync_at is not None
        assert station.server_url == kiosk_server.url
        assert "nurse.a" in {r["username"] for r in station.store.query("SELECT username FROM staff")}
        with kiosk_server.ctx.engine.connect() as conn:
            from sqlalchemy import select

            from server.storage.tables import devices
            assert station.device_id in set(conn.execute(select(devices.c.device_id)).scalars())
        window = build_main_window(station, ShellConfig(language=lang))
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        sign_in(qtbot, window)                       # the account the first sync brought
        qtbot.waitUntil(lambda: window.current_screen() is window.setup, timeout=20000)
        window.idle.stop()
        window.language.set("en")                    # take the window's translators out of the application
        window.quit_application()
    finally:
        station.store.close()
    assert not opening.is_new_station(folder)


@pytest.mark.parametrize("lang", ["en", "zh"], indirect=True)
def test_set_up_problems_are_shown_beside_their_field_in_the_screens_language(
        qtbot: Any, tmp_path: Path, kiosk_server: ThreadServer, artifacts: Path, lang: str) -> None:
    server_staff(kiosk_server)
    folder = tmp_path / "new-kiosk"
    screen = _screen(qtbot, folder, kiosk_server, server_url="", code="")
    problems = screen.field_problems

    def shown(field: str, *typed: str) -> str:
        qtbot.waitUntil(lambda: problems[field].isVisible() and not screen.busy, timeout=30000)
        assert screen.button.isEnabled() and not screen.status.isVisible()
        others = [f for f, label in problems.items() if f != field and label.isVisible()]
        assert others == [] and not screen.problem.isVisible(), others
        text = problems[field].text()
        assert "Errno" not in text and "Traceback" not in text and "Error:" not in text, text
        if lang == "zh":
            assert untranslated([text], extra=(*typed, kiosk_server.url, *LATIN_IN_MESSAGES)) == [], text
        return text

    _type(qtbot, screen, url="htp//127.0.0.1", code=UNKNOWN_CODE)     # not an address: no store is made
    click(qtbot, screen.button)
    shown("server_url")
    assert opening.is_new_station(folder)
    _type(qtbot, screen, url=kiosk_server.url, code="7K3M-Q9")          # a typing slip in the code
    click(qtbot, screen.button)
    shown("code")
    assert opening.is_new_station(folder)

    nobody = f"http://127.0.0.1:{free_port()}"                          # nothing listens: "Errno 111" before
    _type(qtbot, screen, url=nobody, code=UNKNOWN_CODE)
    click(qtbot, screen.button)
    text = shown("server_url", nobody)
    assert nobody in text
    _shoot(screen, artifacts, lang, "no-server")
    assert screen.stage == ENROL and not screen.passphrase.isVisible()  # the store exists; only the rest is asked

    _type(qtbot, screen, url=kiosk_server.url + "/healthz/nothing", code=UNKNOWN_CODE)   # something else answers
    click(qtbot, screen.button)
    shown("server_url")

    _type(qtbot, screen, url=kiosk_server.url, code=UNKNOWN_CODE)      # the right server, a code never issued
    click(qtbot, screen.button)
    shown("code")
    _shoot(screen, artifacts, lang, "wrong-code")
    assert too_small(screen) == []

    _type(qtbot, screen, url=kiosk_server.url, code=enrolment_code(kiosk_server))
    opened: list[Any] = []
    screen.opened.connect(opened.append)
    click(qtbot, screen.button)
    qtbot.waitUntil(lambda: screen.stage == RECOVERY and not screen.busy, timeout=30000)
    click(qtbot, screen.button)
    assert len(opened) == 1
    opened[0].close()


def test_a_station_opened_before_it_was_enrolled_asks_for_the_server_when_opened(
        qtbot: Any, tmp_path: Path, kiosk_server: ThreadServer) -> None:
    """The set-up stopped after the passphrase (power cut, no network): the next opening asks for the rest."""
    from tests.factories import new_station

    server_staff(kiosk_server)
    folder = tmp_path / "half-set-up"
    store = new_station(folder).store
    store.close()
    screen = _screen(qtbot, folder, kiosk_server)
    assert not screen.server_url.isVisible()
    from tests.factories import PASSPHRASE as STATION_PASSPHRASE
    qtbot.keyClicks(screen.passphrase, STATION_PASSPHRASE)
    click(qtbot, screen.button)
    qtbot.waitUntil(lambda: screen.server_url.isVisible() and not screen.busy, timeout=20000)
    assert screen.stage == ENROL
    opened: list[Any] = []
    screen.opened.connect(opened.append)
    _type(qtbot, screen, url=kiosk_server.url, code=enrolment_code(kiosk_server))
    click(qtbot, screen.button)
    qtbot.waitUntil(lambda: bool(opened), timeout=30000)      # no recovery key: it was shown when it was made
    station = Station(store=opened[0], study=kiosk_server.ctx.study)
    assert station.is_enrolled and station.store.query("SELECT count(*) AS n FROM staff")[0]["n"] >= 1
    station.store.close()
