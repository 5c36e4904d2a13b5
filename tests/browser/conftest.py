"""A demo-seeded server on 127.0.0.1 and Debian's Chromium driven by Playwright, for the admin page tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from server.app import open_context
from server.config import ServerConfig
from server.services.demo import DEMO_ADMIN, seed_demo
from tests.live_server import ThreadServer, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "demo-admin-password-for-tests"


@pytest.fixture
def demo_server(tmp_path: Path, database_url: str | None) -> Iterator[ThreadServer]:
    ctx = open_context(ServerConfig(data_dir=tmp_path / "server", testing=True, database_url=database_url))
    with ctx.engine.begin() as conn:
        seed_demo(conn, ctx.study, admin_password=DEMO_PASSWORD)
    with serving(ctx, worker=True) as srv:   # the job runner beside it, as `demo` runs it
        yield srv


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    try:
        yield pg
    finally:
        context.close()


def sign_in(page: Page, url: str, username: str = DEMO_ADMIN, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{url}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
