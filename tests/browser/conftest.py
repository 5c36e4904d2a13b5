"""A demo-seeded server on 127.0.0.1 and Debian's Chromium driven by Playwright, for the admin page tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from server.services.demo import DEMO_ADMIN
from tests.demo_template import DemoTemplates
from tests.live_server import ThreadServer, serving
from tests.postgres import PostgresCluster

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # the home app runs at http://localhost:<port> (WebAuthn refuses an IP address as its domain);
                 # the test servers listen on 127.0.0.1 only
                 "--host-resolver-rules=MAP localhost 127.0.0.1"]
DEMO_PASSWORD = "demo-admin-password-for-tests"
# How long a page action or an expect() waits for what it asserts: a wait, never a speed check (bench/ measures
# speed). A sign-in's Argon2 check runs at the lowest CPU priority, so on a machine busy with other work the page
# after it comes seconds later; waiting longer costs nothing when the page is right, it only delays a failure.
WAIT_MS = 60_000
expect.set_options(timeout=WAIT_MS)
# For a test that checks only how pages look (layout, wrapping, fit at a screen size): the HTML and CSS are the same
# whatever database holds the data, so it runs on SQLite only. Every test that reads or writes data still runs on
# both databases (the `database_kind` fixture in tests/conftest.py); this replaces that fixture's two values by one.
layout_only = pytest.mark.parametrize("database_kind", ["sqlite"])


@pytest.fixture
def demo_server(tmp_path: Path, demo_cluster: PostgresCluster | None,
                demo_templates: DemoTemplates) -> Iterator[ThreadServer]:
    """A copy of the session's seeded demo, served with the job runner beside it, as `demo` runs it."""
    ctx = demo_templates.context(tmp_path / "server", admin_password=DEMO_PASSWORD, cluster=demo_cluster)
    with serving(ctx, worker=True) as srv:
        yield srv


@pytest.fixture
def home_server(tmp_path: Path, demo_templates: DemoTemplates) -> Iterator[ThreadServer]:
    """A copy of the seeded demo on SQLite for the home app (issue 24): what is under test is the phone's storage
    and sync, the server's database kinds are covered by the API's own tests."""
    ctx = demo_templates.context(tmp_path / "server", admin_password=DEMO_PASSWORD)
    with serving(ctx) as srv:
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
    pg.set_default_timeout(WAIT_MS)
    try:
        yield pg
    finally:
        context.close()


def sign_in(page: Page, url: str, username: str = DEMO_ADMIN, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{url}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
