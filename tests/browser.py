"""Fixtures for the real-browser tests: a live server over the demo data, and Chromium via Playwright.

tests/conftest.py registers this module as a plugin, so every test module can use the fixtures; the steps
every browser test takes (goto, submit, click_link, sign_in, sign_out, assert_clean, shot) are here too,
imported as `from .browser import goto, sign_in`.

The server runs the app over a fresh SQLite file seeded with the demo data (`seed_demo()`), served by
werkzeug in a daemon thread on 127.0.0.1 and an ephemeral port: one per test, so a test that moves a
revision through the workflow leaves nothing behind for the next. The browser is Debian's Chromium
(/usr/bin/chromium); without it the tests are skipped, unless REQUIRE_BROWSER=1, where they fail.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from dutylist.app import create_app
from dutylist.extensions import db

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 30_000  # generous: full-page screenshots of 300-item pages on a loaded 2-core machine

__all__ = ["LiveServer", "live_config", "live_server", "chromium", "context", "page", "ARTIFACTS", "TIMEOUT_MS", "goto", "submit",
           "click_link", "click_and_wait", "sign_in", "sign_out", "assert_clean", "shot"]


@dataclass
class LiveServer:
    app: object
    url: str
    password: str

    def username_for(self, organisation: str, role: str | None = None) -> str:
        """The demo user of an organisation, found by the organisation's name (e.g. 吉木萨尔县民政局)."""
        from dutylist.models import Organisation, User

        with self.app.app_context():
            stmt = select(User.username).join(Organisation, User.organisation_id == Organisation.id) \
                .where(Organisation.name == organisation).order_by(User.id)
            if role:
                stmt = stmt.where(User.role == role)
            names = db.session.scalars(stmt).all()
        assert names, f"no demo user for {organisation}"
        return names[0]


def _seed(app) -> None:
    from dutylist.services.demo import seed_demo

    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def live_config() -> dict:
    """Settings the live server runs with besides the defaults; a module overrides this fixture to turn
    on a configurable step (LEGALITY_REVIEW)."""
    return {}


@pytest.fixture
def live_server(tmp_path, live_config):
    from dutylist.services.demo import DEMO_PASSWORD

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.sqlite3'}",
        "SECRET_KEY": "browser-test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "REVIEW_LEVELS": ("prefecture", "region"),
        **live_config,
    })
    _seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", password=DEMO_PASSWORD)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong in the browser while a test ran: server errors, script errors, foreign requests."""

    origin: str
    server_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    foreign_requests: list = field(default_factory=list)

    def problems(self) -> list:
        return self.server_errors + self.page_errors + self.console_errors + self.foreign_requests


@pytest.fixture
def context(chromium, live_server):
    """A fresh browser context (no cookies) per test; context.watch collects what went wrong."""
    ctx = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    watch = Watch(origin=live_server.url)

    def on_response(resp):
        # any 4xx/5xx; the favicon is not served (base.html names none), browsers ask for it anyway
        if resp.status >= 400 and not resp.url.endswith("/favicon.ico"):
            watch.server_errors.append(f"{resp.status} {resp.request.method} {resp.url}")

    def on_request(req):
        if not (req.url.startswith(live_server.url + "/") or req.url.startswith(("data:", "about:"))):
            watch.foreign_requests.append(req.url)

    ctx.on("response", on_response)
    ctx.on("request", on_request)
    ctx.watch = watch
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.on("pageerror", lambda exc: context.watch.page_errors.append(f"pageerror: {exc}"))
    # CSP violations show up as console errors (failed loads are caught from the responses)
    pg.on("console", lambda msg: msg.type == "error" and not msg.text.startswith("Failed to load resource")
          and context.watch.console_errors.append(f"console: {msg.text}"))
    return pg


# ------------------------------------------------------------------ steps shared by the browser tests ----
def goto(page, path):
    """Open a path of the live server and expect a 200."""
    response = page.goto(path, wait_until="load")
    assert response is not None and response.status == 200, f"{response and response.status} for {path}"
    return response


def submit(page, form, expect_status=200, button="button[type=submit]"):
    """Press the form's submit button and wait for the page it leads to."""
    with page.expect_navigation(wait_until="load") as nav:
        form.locator(button).first.click()
    response = nav.value
    assert response is not None and response.status == expect_status, \
        f"{response.status if response else None} at {page.url}: {page.locator('main').inner_text()[:500]}"
    return response


def click_link(page, link):
    """Follow a link (or press a button that navigates) and expect a 200."""
    with page.expect_navigation(wait_until="load") as nav:
        link.click()
    assert nav.value is not None and nav.value.status == 200, \
        f"{nav.value and nav.value.status} for {page.url}: {page.locator('main').inner_text()[:300]}"


click_and_wait = click_link


def sign_out(page):
    """Press 退出 if someone is signed in (on a phone the header's links are behind 菜单)."""
    if page.locator("header form button:has-text('退出')").count():
        if page.locator("#menu-button").is_visible():
            page.locator("#menu-button").click()
        submit(page, page.locator("header form").filter(has_text="退出"))


def sign_in(page, server, username):
    """Sign out whoever is signed in, then sign in through the login form; the page's cookies are the
    context's, so later gotos are signed in."""
    goto(page, "/auth/login")
    if "/auth/login" not in page.url:  # someone is signed in: the login page sent them home
        sign_out(page)
        goto(page, "/auth/login")
    form = page.locator("section.login form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(server.password)
    submit(page, form)
    assert "/auth/login" not in page.url, page.locator("main").inner_text()[:300]
    assert username in page.locator(".who").text_content(), page.locator("main").inner_text()[:300]


def assert_clean(context):
    """No server errors, script errors, CSP violations or foreign requests."""
    assert not context.watch.problems(), context.watch.problems()


def shot(page, name: str, full_page: bool = True, max_height: int = 4000) -> str:
    """A screenshot into test-artifacts/ (name may hold a sub-folder): the whole page, down to max_height
    (a 309-item list is 80,000 px)."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if full_page:
        size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        page.screenshot(path=str(path), full_page=True,
                        clip={"x": 0, "y": 0, "width": size[0], "height": min(size[1], max_height)})
    else:
        page.screenshot(path=str(path))
    return str(path)
