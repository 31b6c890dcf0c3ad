"""Browser tests: the real app on a live werkzeug server, driven by Playwright on Debian's Chromium.

The server runs in a thread on a temporary SQLite file with the demo region loaded, CSRF on, exactly
as a user meets it. Playwright cannot download browsers here, so it starts /usr/bin/chromium.
axe-core is served to the page from the app's own origin (a Playwright route), so the page's
Content-Security-Policy stays in force during the accessibility checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from werkzeug.serving import make_server

from portal import create_app
from portal.config import TestConfig
from portal.demo import DEMO_LOGINS, DemoLogin, load_demo_region
from portal.extensions import db as portal_db
from portal.models import Base

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_URL_PATH = "/__e2e__/axe.min.js"  # never served by the app; fulfilled by Playwright
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass(frozen=True)
class LiveServer:
    """Where the live app listens, and the app (for looking up demo data in its database)."""

    url: str
    app: Flask

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the demo region on a temp-file SQLite database, served by werkzeug in a thread.

    The database extension is one module-level object, so the test app's engine is put back afterwards.
    """
    saved = (portal_db.engine, portal_db.session_factory)
    database = tmp_path_factory.mktemp("e2e") / "portal.db"
    config = TestConfig()
    config.DATABASE_URL = f"sqlite:///{database}"
    app = create_app(config)
    assert app.config.get("WTF_CSRF_ENABLED", True), "browser tests run with CSRF on"
    engine = portal_db.engine
    assert engine is not None
    Base.metadata.create_all(engine)
    with app.app_context():
        load_demo_region(portal_db.session)
        portal_db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        engine.dispose()
        portal_db.engine, portal_db.session_factory = saved


@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def storage_states() -> dict[str, dict]:
    """Cookies of users who already logged in: a TOTP code works once, so each user logs in once."""
    return {}


@pytest.fixture
def new_context(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts on the live server, with axe-core available to their pages."""
    contexts: list[BrowserContext] = []

    def _new(**kwargs: object) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, locale="nl-NL", **kwargs)
        context.set_default_timeout(15_000)
        context.route(f"**{AXE_URL_PATH}", lambda route: route.fulfill(path=AXE_PATH,
                                                                       content_type="text/javascript"))
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A fresh page without a login."""
    return new_context().new_page()


def demo_login(email: str) -> DemoLogin:
    """The demo account with this e-mail address."""
    return next(login for login in DEMO_LOGINS if login.email == email)


def keyboard_login(page: Page, login: DemoLogin, on_code_page: Callable[[Page], None] | None = None) -> None:
    """Log in the way a keyboard user does: skip link, type, Tab, Enter; then the TOTP code."""
    page.goto("/inloggen/")
    page.keyboard.press("Tab")
    expect(page.locator(".portal-skip-link")).to_be_focused()
    page.keyboard.press("Enter")  # to the main content
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mailadres")).to_be_focused()
    page.keyboard.type(login.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type(login.wachtwoord)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Code invoeren")
    page.wait_for_load_state("load")
    if on_code_page:
        on_code_page(page)
    # The redirect keeps the #inhoud fragment of the skip link, so the browser may start tabbing from
    # the main content: the code field must be reachable within a few Tabs either way.
    code_field = page.get_by_label("Code uit uw authenticator-app")
    for _ in range(4):
        page.keyboard.press("Tab")
        if code_field.evaluate("element => element === document.activeElement"):
            break
    expect(code_field).to_be_focused()
    page.keyboard.type(_fresh_code(login))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


_USED_STEPS: dict[str, int] = {}


def _fresh_code(login: DemoLogin) -> str:
    """A code of a time step this user has not logged in with yet: the app accepts each step once, and one step of
    clock drift either way (portal.services.auth.verify_totp). A second login of the same user within 30 seconds
    (another browser, another test module) uses the next step, as an authenticator running a little ahead would;
    only a third waits for the clock."""
    totp = pyotp.TOTP(login.totp_secret)
    while True:
        current = totp.timecode(datetime.now(UTC))
        step = max(current, _USED_STEPS.get(login.email, -1) + 1)
        # Keep a margin before the next step begins, so the server still counts `step` as at most one ahead.
        if step == current or (step == current + 1 and totp.interval - time.time() % totp.interval > 2):
            break
        time.sleep(totp.interval - time.time() % totp.interval + 0.05)
    _USED_STEPS[login.email] = step
    return totp.generate_otp(step)


@pytest.fixture
def page_as(
    new_context: Callable[..., BrowserContext], storage_states: dict[str, dict]
) -> Callable[[str], Page]:
    """A page logged in as a demo user (through the UI the first time, then with that session's cookie)."""

    def _page_as(email: str) -> Page:
        if email in storage_states:
            return new_context(storage_state=storage_states[email]).new_page()
        context = new_context()
        page = context.new_page()
        keyboard_login(page, demo_login(email))
        storage_states[email] = context.storage_state()
        return page

    return _page_as


def axe_violations(page: Page) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations on the current page, as readable lines."""
    page.add_script_tag(url=AXE_URL_PATH)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[node['target'] for node in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe() -> Callable[[Page], list[str]]:
    """axe_violations, as a fixture for the tests."""
    return axe_violations


@pytest.fixture
def login_with_keyboard() -> Callable[..., None]:
    """keyboard_login, as a fixture for the tests."""
    return keyboard_login
