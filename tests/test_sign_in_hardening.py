"""Sign-in hardening against an attacker, over a live HTTP server on SQLite and PostgreSQL:
the sign-in limit cannot be raced, `next=` takes only a local path, and signing out ends the
session for a cookie copied before."""
from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from werkzeug.serving import make_server

from dutylist.models import User

from .conftest import PASSWORD

pytestmark = pytest.mark.commits  # a live HTTP server thread and racing threads, each on its own connection


@pytest.fixture
def served(app):
    """The test app served over HTTP by a threaded werkzeug server on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A real HTTP client with its own cookie jar; redirects are not followed (their Location is read)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read().decode()

    def csrf(self) -> str:
        html = self.request("/auth/login")[2]
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def login(self, username: str, password: str = PASSWORD, next_: str | None = None):
        path = "/auth/login" + ("?next=" + urllib.parse.quote(next_, safe="") if next_ is not None else "")
        return self.request(path, {"csrf_token": self.csrf(), "username": username, "password": password})

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# ================================================================ item 6: next= ====
@pytest.mark.parametrize("target", ["/townships/1\r\nSet-Cookie: evil=1", "/x\nLocation: //evil.example",
                                    "/a\tb", "/\x7f", "\r\n//evil.example"])
def test_next_with_control_characters_goes_home(client, drafter, target):
    response = client.login("dayou-drafter", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "evil" not in str(response.headers)


def test_next_with_crlf_over_http_gives_no_500(served, drafter):
    status, headers, _ = Browser(served).login("dayou-drafter", next_="/townships/1\r\nSet-Cookie: evil=1")
    assert status == 302 and headers["Location"].endswith("/") and "evil" not in str(headers)


# =========================================================== item 7: sessions ====
def test_a_cookie_copied_before_sign_out_no_longer_works(served, drafter):
    browser = Browser(served)
    status, headers, _ = browser.login("dayou-drafter")
    assert status == 302
    cookie = browser.cookie_header()
    thief = Browser(served)
    assert thief.request("/", headers={"Cookie": cookie})[0] == 200  # the copy works while signed in
    status, _, _ = browser.request("/auth/logout", {"csrf_token": _csrf_of(browser)})
    assert status == 302
    status, headers, _ = thief.request("/", headers={"Cookie": cookie})
    assert status == 302 and "/auth/login" in headers["Location"]


def _csrf_of(browser: Browser) -> str:
    html = browser.request("/auth/email")[2]
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_session_cookie_stays_signed_httponly_and_samesite(served, drafter):
    browser = Browser(served)
    status, headers, _ = browser.login("dayou-drafter")
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    forged = Browser(served)  # a session value altered by one character is no session
    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    assert forged.request("/", headers={"Cookie": f"session={tampered}"})[0] == 302


@pytest.mark.parametrize("end", ["password_reset", "deactivate", "sessions_end"])
def test_administrative_ends_stop_a_copied_cookie(app, served, drafter, end):
    from dutylist.extensions import db
    from dutylist.services import accounts

    browser = Browser(served)
    assert browser.login("dayou-drafter")[0] == 302
    cookie = browser.cookie_header()
    user = db.session.get(User, drafter.id)
    {"password_reset": lambda: accounts.reset_password(user, None),
     "deactivate": lambda: accounts.deactivate(user, None),
     "sessions_end": lambda: accounts.end_sessions(user, None)}[end]()
    db.session.commit()
    assert Browser(served).request("/", headers={"Cookie": cookie})[0] == 302


# ===================================================== item 5: the sign-in race ====
def test_the_sign_in_limit_cannot_be_raced(app, served, drafter, monkeypatch):
    """40 simultaneous wrong passwords for one user: at most the limit (5) of them are checked (before:
    18 to 19 were)."""
    checked = []
    lock = threading.Lock()
    original = User.check_password

    def slow_check(self, password):
        with lock:
            checked.append(password)
        time.sleep(0.2)  # a real scrypt check takes about this long: the window the race needs
        return original(self, password)

    # one failure first (the audit chain's head row exists; 4 attempts are left)
    assert Browser(served).login("dayou-drafter", "wrong-first")[0] == 400
    monkeypatch.setattr(User, "check_password", slow_check)
    browsers = [Browser(served) for _ in range(40)]
    tokens = [b.csrf() for b in browsers]
    barrier = threading.Barrier(len(browsers))
    statuses = []

    def attempt(i):
        barrier.wait()
        status = browsers[i].request("/auth/login", {"csrf_token": tokens[i], "username": "dayou-drafter",
                                                     "password": f"wrong-{i}"})[0]
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(browsers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert set(statuses) <= {400, 429}, statuses
    # simultaneous attempts count each other while in flight, so a burst may get fewer checks than the
    # limit (never more); the refused ones leave nothing behind
    assert len(checked) <= 4, f"{len(checked) + 1} passwords checked against a limit of 5"
    assert statuses.count(400) == len(checked)
    failures = 1 + len(checked)
    assert Browser(served).login("dayou-drafter")[0] == (429 if failures >= 5 else 302)


def test_current_password_guesses_cannot_be_raced(app, served, drafter, monkeypatch):
    """A signed-in session guessing the current password 20 times at once: at most the limit are checked."""
    browser = Browser(served)
    assert browser.login("dayou-drafter")[0] == 302
    token = _csrf_of(browser)
    checked, lock = [], threading.Lock()
    original = User.check_password

    def slow_check(self, password):
        if password.startswith("guess-"):
            with lock:
                checked.append(password)
            time.sleep(0.2)
        return original(self, password)

    monkeypatch.setattr(User, "check_password", slow_check)
    barrier = threading.Barrier(20)
    statuses = []

    def guess(i):
        barrier.wait()
        status = browser.request("/auth/password", {"csrf_token": token, "current_password": f"guess-{i}",
                                                     "new_password": "Zhen-hao-2025", "new_password2": "Zhen-hao-2025"})[0]
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert set(statuses) <= {400, 429}, statuses
    assert len(checked) <= 5, f"{len(checked)} current passwords checked against a limit of 5"
