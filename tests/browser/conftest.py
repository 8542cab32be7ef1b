"""A live server with the demo data, and headless Debian Chromium driven by Playwright.

The server runs the real app (CSRF on) in a thread, on a database of its own: a
scratch SQLite file, or a schema of its own on PostgreSQL when TEST_DATABASE_URL
points there, dropped afterwards.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from config import TestingConfig
from peerreview import create_app
from peerreview.auth.replay import dispose_lookup_engine
from peerreview.demo import seed_demo
from peerreview.extensions import db
from tests.scratch_db import scratch_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The suite runs on two busy cores beside a report render in the same process: give assertions
# time to become true rather than fail on a slow moment (they still fail when the text never comes).
expect.set_options(timeout=20_000)
AXE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def live_server():
    with scratch_database("browser") as (url, options):
        config = type("BrowserConfig", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options, "WTF_CSRF_ENABLED": True})
        app = create_app(config)
        with app.app_context():
            db.create_all()
            seed_demo()
            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        dispose_lookup_engine(app)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Person:
    """One user in one browser context, checking every page for accessibility."""

    def __init__(self, browser, base_url: str):
        # English pages: the tests read English texts whatever the machine's language
        self.context = browser.new_context(base_url=base_url, locale="en-GB")
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        # CSP violations and script errors show up on the console. A form answered
        # with 422 logs "Failed to load resource" for the page itself, which is
        # expected; failed sub-resources (a missing stylesheet) are caught below.
        self.page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
                     and self.console_errors.append(m.text))
        self.page.on("response", lambda r: r.request.resource_type != "document" and r.status >= 400
                     and self.console_errors.append(f"{r.status} {r.url}"))
        self.checked: list[str] = []

    def sign_in(self, email: str, password: str = "demo-peer-review-2026"):
        self.page.goto("/login")
        self.page.get_by_role("textbox", name="E-mail address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        # the click returns once the POST is sent; wait for the page it redirects to
        self.page.wait_for_url(lambda url: "/login" not in url)
        self.check()

    def check(self):
        """axe-core on the current page: no serious or critical violation; no console error (CSP)."""
        # A click that navigates may return before the new document exists (CI once ran axe on a
        # document still null): check the page that has finished loading, not one in between.
        self.page.wait_for_load_state("load")
        try:
            result = self._axe()
        except PlaywrightError as error:  # a navigation replaced the document under axe: once more
            if "documentElement" not in str(error) and "context was destroyed" not in str(error):
                raise
            self.page.wait_for_load_state("load")
            result = self._axe()
        bad = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{self.page.url}: " + "; ".join(bad)
        assert not self.console_errors, f"{self.page.url}: {self.console_errors}"
        self.checked.append(self.page.url)

    def _axe(self):
        self.page.evaluate(AXE)  # evaluated over DevTools, so the page's CSP stays strict
        return self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")

    def close(self):
        self.context.close()


@pytest.fixture()
def person(browser, live_server):
    people = []

    def make() -> Person:
        p = Person(browser, live_server)
        people.append(p)
        return p

    yield make
    for p in people:
        p.close()
