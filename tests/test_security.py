"""Security basics, as a user or an attacker meets them: CSRF, cookies, headers, passwords and their
policy, sign-in rate limiting, tokens, uploads, escaping of item text everywhere, and the 503 page."""
from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.models import ApiToken, AuditEvent, Role, User
from dutylist.services import passwords
from dutylist.services.audit import verify_chain
from dutylist.services.snapshot import EntryData, publish_version
from dutylist.services.tokens import create_token, revoke_tokens
from workflow import operations as ops

from .conftest import PASSWORD, CsrfClient
from .factories import LEVELS, World

ROOT = Path(__file__).resolve().parent.parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def sibling(app):
    """Make another app over the same database (another gunicorn worker), with environment overrides."""
    made = []

    def make(**env):
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                                "SECRET_KEY": "test-secret", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        other.test_client_class = CsrfClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def events(**where):
    db.session.expire_all()
    stmt = select(AuditEvent).order_by(AuditEvent.seq)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return db.session.scalars(stmt).all()


# ====================================================================== CSRF ====
def _post_routes(app):
    """Every non-API route that accepts a state-changing method, with a URL built from dummy ids."""
    out = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.endpoint.startswith(("api.", "static")):
            continue
        values = {arg: 1 if isinstance(rule._converters[arg], IntegerConverter) else "x" * 32
                  for arg in rule.arguments}
        if "event" in rule.arguments:
            values["event"] = "submit"
        if "change" in rule.arguments:
            values["change"] = "release"
        out.append((rule.endpoint, rule.build(values)[1], sorted(methods)))
    return out


def test_every_form_post_needs_the_csrf_token(app, client):
    World()
    routes = _post_routes(app)
    assert {"auth.login", "auth.logout", "auth.change_password", "revisions.fire", "revisions.add_item",
            "revisions.answer_all", "revisions.sign_off", "revisions.change_consultation"} <= {e for e, _, _ in routes}
    client.login("dayou-drafter")
    before = row_counts()
    for endpoint, url, methods in routes:
        for method in methods:
            response = client.open(url, method=method, data={"reason": "x", "name": "x", "body": "x"})
            assert response.status_code == 400, (endpoint, url, method, response.status_code)
            assert "CSRF" in response.get_data(as_text=True), endpoint
    assert row_counts() == before


def test_every_post_form_in_the_templates_carries_the_token():
    forms = 0
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        # a template may write the token once into a variable ({% set csrf %}…csrf_token()…{% endset %})
        # and put {{ csrf }} in each of a row's small forms
        token_vars = set(re.findall(r"{%-?\s*set\s+(\w+)\s*-?%}(?:(?!{%-?\s*endset).)*csrf_token\(\)", text, re.S))
        for form in re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", text, re.S | re.I):
            forms += 1
            assert "hidden_tag()" in form or "csrf_token()" in form or any(
                "{{ %s }}" % var in form for var in token_vars), (path.name, form[:120])
    assert forms >= 10


# ============================================================ cookies, headers ====
def _cookie(response, name: str) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "="))


def test_session_cookie_is_httponly_and_samesite_lax(client, drafter):
    response = client.post_form("/auth/login", {"username": "dayou-drafter", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
        assert "Secure" not in cookie  # SESSION_COOKIE_SECURE not set: plain HTTP in development


def test_cookies_are_secure_when_configured(sibling, drafter):
    # SESSION_COOKIE_SECURE=1 is how HTTPS is configured (README): the app does not guess from the request
    other = sibling(SESSION_COOKIE_SECURE="1")
    assert other.config["SESSION_COOKIE_SECURE"] and other.config["REMEMBER_COOKIE_SECURE"]
    client = other.test_client()
    response = client.post_form("/auth/login", {"username": "dayou-drafter", "password": PASSWORD, "remember": "y"},
                                base_url="https://localhost", headers={"Referer": "https://localhost/auth/login"})
    assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_forwarded_headers_are_trusted_only_with_trust_proxy(app, client, sibling, drafter):
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                 "Referer": "https://localhost/auth/login"}  # CSRF checks the referrer over HTTPS
    # by default a client cannot choose the address the audit log and the sign-in limit see
    response = client.post_form("/auth/login", {"username": "dayou-drafter", "password": "wrong-password-1"},
                                headers=forwarded)
    assert response.status_code == 400 and "Strict-Transport-Security" not in response.headers
    assert events(action="login_failed")[-1].ip == "127.0.0.1"
    proxied = sibling(TRUST_PROXY="1").test_client()
    response = proxied.post_form("/auth/login", {"username": "dayou-drafter", "password": "wrong-password-1"},
                                 headers=forwarded)
    assert response.status_code == 400
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert events(action="login_failed")[-1].ip == "203.0.113.7"


@pytest.mark.parametrize("url", ["/auth/login", "/", "/no-such-page", "/api/v1/openapi.json", "/api/v1/ping"])
def test_security_headers_on_every_kind_of_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_scripts_or_event_handlers():
    # the CSP forbids them, so they would silently not run: scripts come from /static only
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            assert "src=" in tag, (path.name, tag)
        assert not re.search(r"<script\b[^>]*src=[^>]*>\s*[^<\s]", text), path.name
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text, re.I), path.name
        assert "javascript:" not in text.lower(), path.name


# ============================================================ passwords ====
def test_passwords_are_hashed_with_scrypt(app, drafter):
    user = User(username="x", display_name="x", role=Role.system_admin, organisation=drafter.organisation)
    app.config.pop("PASSWORD_HASH_METHOD")
    try:
        passwords.set_password(user, "Another-pass-42")
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert user.password_hash.startswith("scrypt:") and "Another-pass-42" not in user.password_hash
    assert user.check_password("Another-pass-42") and not user.check_password("another-pass-42")


@pytest.mark.parametrize("password, username, words", [
    ("Short-1", "u1", ["至少 10 位"]),
    ("abcdefghijkl", "u1", ["两类字符"]),
    ("ABCDEFGHIJKL", "u1", ["两类字符"]),
    ("123456789012", "u1", ["两类字符"]),
    ("我的密码是很长的一句话呢", "u1", ["两类字符"]),
    ("dayou-drafter", "dayou-drafter", ["用户名"]),
    ("DAYOU-DRAFTER", "dayou-drafter", ["用户名"]),
    ("my-dayou-drafter-2025", "dayou-drafter", ["用户名"]),
    ("Password123", "u1", ["常见"]),
    ("1qaz2wsx3edc", "u1", ["常见"]),
    ("Demo-2025!", "u1", ["常见"]),
    ("x" * 199 + "1A", "u1", ["200"]),
])
def test_password_policy_refuses(password, username, words):
    problems = passwords.problems(password, username)
    assert problems and all(any(w in p for p in problems) for w in words), problems


@pytest.mark.parametrize("password", ["long-enough-pass", "Zhen-hao-2025", "大有镇起草人2025", "correct horse battery"])
def test_password_policy_accepts(password):
    assert passwords.problems(password, "dayou-drafter") == []


def test_create_user_applies_the_policy(app, drafter):
    runner = app.test_cli_runner()
    org = drafter.organisation.name
    for weak in ("short1", "password123", "abcdefghijkl", "newdrafter01"):
        result = runner.invoke(args=["create-user", "newdrafter01", "--role", "township_drafter", "--organisation", org,
                                     "--password", weak])
        assert result.exit_code == 2 and "错误" in result.output, (weak, result.output)
    assert db.session.scalar(select(User).where(User.username == "newdrafter01")) is None
    result = runner.invoke(args=["create-user", "newdrafter01", "--role", "township_drafter", "--organisation", org,
                                 "--password", "Zhen-hao-2025"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "newdrafter01")).check_password("Zhen-hao-2025")


def test_change_password_page(client, drafter):
    assert client.get("/auth/password").status_code == 302  # sign in first
    client.login("dayou-drafter")
    page = client.get("/auth/password")
    assert page.status_code == 200 and "修改密码" in page.get_data(as_text=True)
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    cases = [
        ({"current_password": "wrong-password-9", "new_password": "Zhen-hao-2025", "new_password2": "Zhen-hao-2025"},
         "当前密码不正确"),
        ({"current_password": PASSWORD, "new_password": "Zhen-hao-2025", "new_password2": "Zhen-hao-2026"}, "不一致"),
        ({"current_password": PASSWORD, "new_password": "short-1", "new_password2": "short-1"}, "至少 10 位"),
        ({"current_password": PASSWORD, "new_password": "password123", "new_password2": "password123"}, "常见"),
        ({"current_password": PASSWORD, "new_password": PASSWORD, "new_password2": PASSWORD}, "不能与当前密码相同"),
    ]
    for data, message in cases:
        response = client.post_form("/auth/password", data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), message
    assert client.post("/auth/password", data=cases[0][0]).status_code == 400  # no CSRF token
    response = client.post_form("/auth/password", {"current_password": PASSWORD, "new_password": "Zhen-hao-2025",
                                                   "new_password2": "Zhen-hao-2025"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, drafter.id)
    assert user.check_password("Zhen-hao-2025") and not user.check_password(PASSWORD)
    assert [(e.outcome, e.actor_name) for e in events(action="password_change")] == [
        ("failed", "dayou-drafter"), ("ok", "dayou-drafter")]
    client.post_form("/auth/logout")
    assert client.login("dayou-drafter").status_code == 400
    assert client.login("dayou-drafter", "Zhen-hao-2025").status_code == 302
    assert verify_chain().ok


def test_a_new_password_ends_the_other_sessions(app, client, drafter):
    """Two browsers signed in as one user; the password is changed in one: that one stays signed in,
    the other is signed out on its next request, and so is a remember-me cookie issued before."""
    other = app.test_client()
    assert other.post_form("/auth/login", {"username": "dayou-drafter", "password": PASSWORD,
                                           "remember": "y"}).status_code == 302
    remembered = other.get_cookie("remember_token")
    assert remembered is not None
    client.login("dayou-drafter")
    assert other.get("/").status_code == 200 and client.get("/").status_code == 200
    response = client.post_form("/auth/password", {"current_password": PASSWORD, "new_password": "Zhen-hao-2025",
                                                   "new_password2": "Zhen-hao-2025"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one is over
    third = app.test_client()  # only the old remember-me cookie: refused too
    third.set_cookie("remember_token", remembered.value)
    assert third.get("/").status_code == 302


def test_a_deactivated_user_is_signed_out(client, drafter):
    client.login("dayou-drafter")
    assert client.get("/").status_code == 200
    db.session.get(User, drafter.id).active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_change_password_guesses_are_limited(client, drafter):
    client.login("dayou-drafter")
    wrong = {"current_password": "wrong-password-9", "new_password": "Zhen-hao-2025", "new_password2": "Zhen-hao-2025"}
    for _ in range(5):
        assert client.post_form("/auth/password", wrong).status_code == 400
    right = {**wrong, "current_password": PASSWORD}
    response = client.post_form("/auth/password", right)
    assert response.status_code == 429 and "次数过多" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, drafter.id).check_password(PASSWORD)
    assert events(action="password_change")[-1].outcome == "denied"


# ====================================================== sign-in rate limiting ====
def _fail(client, username, times, ip="127.0.0.1"):
    for _ in range(times):
        response = client.login(username, "wrong-password-1", environ_base={"REMOTE_ADDR": ip})
        assert response.status_code == 400, response.status_code


def test_five_failures_lock_the_user_name(client, drafter):
    _fail(client, "dayou-drafter", 5)
    response = client.login("dayou-drafter")  # even the right password is not tried now
    text = response.get_data(as_text=True)
    assert response.status_code == 429 and "登录失败次数过多" in text and "15 分钟" in text
    assert response.headers["Retry-After"] == "900"
    assert client.get("/").status_code == 302
    denied = events(outcome="denied")
    assert len(denied) == 1 and denied[0].action == "login_failed" and denied[0].actor_id is None
    assert denied[0].details == {"username": "dayou-drafter", "reason": "rate_limited"}
    # a name that does not exist is answered exactly alike: the limit tells nothing about users
    _fail(client, "nobody-here", 5)
    unknown = client.login("nobody-here")
    assert unknown.status_code == 429 and "登录失败次数过多" in unknown.get_data(as_text=True)
    assert unknown.headers["Retry-After"] == response.headers["Retry-After"]
    # other names are not affected
    assert len(events(action="login_failed", outcome="failed")) == 10
    assert verify_chain().ok


def test_the_lock_ends_after_the_window(client, drafter, monkeypatch):
    from dutylist import ratelimit
    _fail(client, "dayou-drafter", 5)
    assert client.login("dayou-drafter").status_code == 429
    later = ratelimit.utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(ratelimit, "utcnow", lambda: later)
    assert client.login("dayou-drafter").status_code == 302


def test_a_successful_sign_in_starts_the_name_count_afresh(client, drafter):
    _fail(client, "dayou-drafter", 4)
    assert client.login("dayou-drafter").status_code == 302
    client.post_form("/auth/logout")
    _fail(client, "dayou-drafter", 5)
    assert client.login("dayou-drafter").status_code == 429


def test_twenty_failures_lock_the_address(client, drafter):
    for n in range(10):
        _fail(client, f"guess-{n}", 2, ip="10.0.0.1")
    refused = client.login("dayou-drafter", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert refused.status_code == 429
    assert client.login("dayou-drafter", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302


def test_the_limit_holds_across_workers(sibling, drafter):
    worker_a, worker_b = sibling().test_client(), sibling().test_client()
    _fail(worker_a, "dayou-drafter", 3)
    _fail(worker_b, "dayou-drafter", 2)
    assert worker_a.login("dayou-drafter").status_code == 429
    assert worker_b.login("dayou-drafter").status_code == 429


def test_invalid_form_posts_are_not_counted_and_not_checked(client, drafter):
    for _ in range(8):
        assert client.post_form("/auth/login", {"username": "dayou-drafter", "password": ""}).status_code == 400
        assert client.post_form("/auth/login", {"username": "x" * 81, "password": "p"}).status_code == 400
    assert events() == []
    assert client.login("dayou-drafter").status_code == 302


# ====================================================================== tokens ====
def test_tokens_are_stored_hashed_and_revocable(app, client, drafter):
    token = create_token(drafter, "test")
    db.session.commit()
    row = db.session.scalars(select(ApiToken)).one()
    assert token not in (row.token_hash, row.name) and len(row.token_hash) == 64
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/ping", headers=headers).status_code == 200
    revoke_tokens(drafter)
    db.session.commit()
    response = client.get("/api/v1/ping", headers=headers)
    assert response.status_code == 401 and CHINESE.search(response.get_json()["error"])


# ===================================================================== uploads ====
@pytest.fixture
def admin_client(app, client):
    World()
    client.login("admin")
    return client


def test_uploads_are_size_limited(app, admin_client):
    if "documents.upload" not in app.view_functions:
        pytest.skip("the documents upload is not there yet")
    before = row_counts()
    big = io.BytesIO(b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1024))
    response = admin_client.post_form("/imports/new", {"file": (big, "big.docx")},
                                      content_type="multipart/form-data")
    assert response.status_code == 413 and "上传的文件过大" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("name, data, message", [
    ("list.txt", "大有镇履职事项清单\n一、基本履职事项\n".encode(), "请上传 Word"),
    ("list.docx", b"<html><script>alert(1)</script></html>", "请上传 Word"),
    ("list.docx", b"PK\x03\x04" + b"\0" * 100, "已损坏"),
    ("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版"),
    ("empty.docx", b"", "文件为空"),
])
def test_uploads_are_type_checked_by_content(app, admin_client, name, data, message):
    if "documents.upload" not in app.view_functions:
        pytest.skip("the documents upload is not there yet")
    before = row_counts()
    response = admin_client.post_form("/imports/new", {"file": (io.BytesIO(data), name)},
                                      content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and message in text, text[-600:]
    assert "<script>alert(1)</script>" not in text
    assert row_counts() == before


# ==================================================================== escaping ====
XSS, BOLD = "<script>alert(1)</script>", "<b>x</b>"


def evil(label: str) -> str:
    return f"{label}{XSS}{BOLD}"


TEXTS = {"payload": XSS + BOLD}
TEXTS |= {key: evil(label) for key, label in [
    ("name", "事项"), ("coop_name", "配合事项"), ("withdrawn_name", "收回事项"), ("dept", "部门"),
    ("dept_duty", "部门职责"), ("town_duty", "乡镇职责"), ("method", "工作方式"), ("opinion", "意见"),
    ("answer", "答复"), ("reply", "回复"), ("reason", "退回理由"), ("title", "修订稿"), ("version_title", "清单"),
    ("receiving_dept", "承接部门")]}
ITEM_TEXTS = ("name", "coop_name", "withdrawn_name", "dept", "dept_duty", "town_duty", "method")


@pytest.fixture
def hostile(app):
    """A revision and a published version whose every text carries markup, written through the services."""
    world = World()
    t = TEXTS
    rev = ops.start_revision(world.town, world.drafter, title=t["title"])
    ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": t["name"]}, t["reason"])
    ops.add_item(rev, world.drafter, "cooperative", {
        "category": "民生服务", "name": t["coop_name"], "departments_text": f"吉木萨尔县民政局、{t['dept']}",
        "dept_duties": [t["dept_duty"]], "township_duties": [t["town_duty"]]}, t["reason"])
    ops.add_item(rev, world.drafter, "withdrawn", {
        "category": "民生服务", "name": t["withdrawn_name"],
        "receiving": [{"department": t["receiving_dept"], "method": t["method"]}]}, t["reason"])
    db.session.commit()
    ops.fire(rev, "submit", world.drafter, levels=LEVELS)
    ops.fire(rev, "accept", world.officer, levels=LEVELS, departments=[world.civil.id],
             deadline=date.today() + timedelta(days=7))
    db.session.commit()
    basic = next(i for i in rev.items if i.name == t["name"])
    opinion = ops.add_opinion(rev, world.civil_user, t["opinion"], basic.item_id)
    ops.sign_off(rev, world.civil_user, "with_opinions")
    db.session.commit()
    ops.fire(rev, "return_for_revision", world.officer, levels=LEVELS, reason=t["reason"])
    db.session.commit()
    ops.answer_opinion(opinion, world.drafter, "partly", t["answer"])
    ops.reply_opinion(opinion, world.civil_user, t["reply"])
    db.session.commit()
    v2 = publish_version(world.town, [EntryData(i.kind, i.number, i.fields(), i.item_id) for i in rev.items
                                      if not i.deleted], source="import", title=t["version_title"])
    db.session.commit()
    return world, rev, v2


def assert_escaped(html: str, keys, where: str):
    for raw in (XSS, BOLD):
        assert raw not in html, f"{where}: unescaped {raw}"
    for key in keys:
        assert str(escape(TEXTS[key])) in html, f"{where}: {key} not shown as text"


def test_markup_in_item_text_is_shown_as_text_on_every_page(app, hostile):
    world, rev, v2 = hostile
    town = world.town.id
    pages = {
        "dayou-drafter": {
            f"/townships/{town}": (*ITEM_TEXTS, "version_title"),
            f"/versions/{v2.id}": ITEM_TEXTS,
            f"/versions/{world.version.id}": (),
            f"/revisions/{rev.id}": (*ITEM_TEXTS, "opinion", "answer", "reply", "title"),
            f"/revisions/{rev.id}/diff": ("name", "coop_name", "withdrawn_name"),
            f"/townships/{town}/diff": ("name", "coop_name", "withdrawn_name"),
            f"/townships/{town}/history": (),
            "/inbox": ("title",),
            f"/revisions/{rev.id}/items/{next(i.id for i in rev.items if i.name == TEXTS['coop_name'])}/edit":
                ("coop_name", "dept_duty", "town_duty"),
        },
        "jimsar-civil": {f"/revisions/{rev.id}": ("name", "opinion", "answer", "reply"), "/inbox": ()},
        "jimsar-office": {f"/revisions/{rev.id}": (*ITEM_TEXTS, "opinion", "answer"), "/inbox": ()},
        "auditor": {"/admin/audit": ()},
    }
    # the areas other work adds, when they are there: search results, notifications, comparison, dashboard
    optional = {"search.index": ("dayou-drafter", "/search?q=事项", ("payload",)),  # hits are <mark>ed
                "notifications.index": ("dayou-drafter", "/notifications", ()),
                "compare.index": ("jimsar-office", "/compare", ()),
                "oversight.dashboard": ("jimsar-office", "/dashboard", ())}
    for endpoint, (username, url, keys) in optional.items():
        if endpoint in app.view_functions:
            pages.setdefault(username, {})[url] = keys
    for username, urls in pages.items():
        client = app.test_client()
        assert client.login(username).status_code == 302
        for url, keys in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            assert_escaped(response.get_data(as_text=True), keys, f"{username} {url}")
    # the audit page shows the details as JSON, where markup is \u003c-escaped (never raw)
    client = app.test_client()
    client.login("auditor")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "\\u003cscript\\u003e" in html or "&lt;script&gt;" in html


def test_markup_in_item_text_is_plain_data_in_the_api(app, client, hostile):
    world, rev, v2 = hostile
    headers = {"Authorization": f"Bearer {create_token(world.drafter)}"}
    db.session.commit()
    for url in (f"/api/v1/revisions/{rev.id}", f"/api/v1/revisions/{rev.id}/opinions", f"/api/v1/versions/{v2.id}",
                f"/api/v1/versions/{world.version.id}/diff/{v2.id}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/json", url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert XSS in text, url  # the text as written: JSON is data, not markup
    body = client.get(f"/api/v1/revisions/{rev.id}/opinions", headers=headers).get_json()
    assert body["opinions"][0]["body"] == TEXTS["opinion"]
    assert body["opinions"][0]["answer"]["body"] == TEXTS["answer"]


# ---- exports: the text as written, never interpreted
def _docx_text(data: bytes) -> str:
    import docx
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def _xlsx_text(data: bytes) -> str:
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)


def _no_markup_in_package(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            assert b"<script" not in raw and b"<b>" not in raw, name


def _pdf_text(data: bytes) -> str:
    """The text an fpdf2 PDF draws (Type0 fonts with ToUnicode maps), in drawing order."""
    starts = list(re.finditer(rb"(?:^|[\r\n])(\d+) 0 obj", data))
    objects = {int(m.group(1)): data[m.end():(starts[i + 1].start() if i + 1 < len(starts) else len(data))]
               for i, m in enumerate(starts)}

    def stream(body: bytes) -> bytes:
        m = re.search(rb"/Length (\d+)\b.*?stream\r?\n", body, re.S)
        if m is None:
            return b""
        raw = body[m.end():m.end() + int(m.group(1))]
        return zlib.decompress(raw) if b"/FlateDecode" in body[:m.end()] else raw

    def cmap(obj_id: int) -> dict:
        out, text = {}, stream(objects[obj_id])
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    out[code] = chr(int(dst, 16) + i)
        return out

    fonts = {}
    for body in objects.values():
        for resources in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            for name, ref in re.findall(rb"/(\w+)\s+(\d+) 0 R", resources):
                unicode_map = re.search(rb"/ToUnicode\s+(\d+) 0 R", objects.get(int(ref), b""))
                if unicode_map:
                    fonts[name] = cmap(int(unicode_map.group(1)))
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def literal(s: bytes) -> bytes:
        def one(m):
            c = m.group(1)
            return escapes.get(c) or (bytes([int(c, 8)]) if c[:1].isdigit() else c)
        return re.sub(rb"\\([nrtbf()\\]|[0-7]{1,3})", one, s)

    out, font = [], {}
    for body in objects.values():
        if b"/Length" not in body:
            continue
        try:
            content = stream(body)
        except zlib.error:
            continue
        for m in re.finditer(rb"/(\w+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            if m.group(1):
                font = fonts.get(m.group(1), {})
                continue
            raw = literal(m.group(2))
            out.append("".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "\ufffd")
                               for i in range(0, len(raw) - 1, 2)))
    return "".join(out)


EXPORT_TEXTS = ("name", "coop_name", "withdrawn_name", "dept_duty", "town_duty", "method")


def test_markup_in_item_text_is_literal_text_in_every_export(app, hostile):
    world, rev, v2 = hostile
    client = app.test_client()
    client.login("dayou-drafter")
    urls = [(f"/townships/{world.town.id}/diff.{fmt}", fmt, ("name", "coop_name", "withdrawn_name"))
            for fmt in ("docx", "xlsx")]
    urls += [(f"/revisions/{rev.id}/diff.{fmt}", fmt, ("name", "coop_name", "withdrawn_name"))
             for fmt in ("docx", "xlsx")]
    skipped = []
    if "documents.export_version" in app.view_functions:
        for fmt in ("docx", "xlsx", "csv", "json", "pdf"):
            urls.append((f"/versions/{v2.id}/export.{fmt}", fmt, EXPORT_TEXTS))
            urls.append((f"/revisions/{rev.id}/export.{fmt}", fmt, EXPORT_TEXTS))
    else:
        skipped.append("documents exports (not registered yet)")
    for url, fmt, keys in urls:
        response = client.get(url)
        if fmt == "pdf" and response.status_code == 503:
            skipped.append(f"{url}: no CJK font")
            continue
        assert response.status_code == 200, (url, response.status_code)
        data = response.get_data()
        if fmt == "docx":
            text = _docx_text(data)
            _no_markup_in_package(data)
        elif fmt == "xlsx":
            text = _xlsx_text(data)
            _no_markup_in_package(data)
        elif fmt == "pdf":
            text = _pdf_text(data)
        elif fmt == "json":
            text = json.dumps(json.loads(data), ensure_ascii=False)
        else:
            text = data.decode("utf-8-sig")
        flat = re.sub(r"\s", "", text)
        for key in keys:
            assert re.sub(r"\s", "", TEXTS[key]) in flat, (url, key)
        assert "&lt;" not in text and "&amp;" not in text, url  # not double-escaped either
    if skipped:
        print("skipped:", skipped)


# ====================================================================== 503 ====
def unreachable_url(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/no-such-directory/dutylist.sqlite3"
    return "postgresql+psycopg://postgres@127.0.0.1:9/dutylist?connect_timeout=3"  # port 9: nothing listens


@pytest.fixture
def down_app(backend, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": unreachable_url(backend, tmp_path), "TESTING": True,
                      "SECRET_KEY": "test-secret"})
    app.test_client_class = CsrfClient
    yield app
    with app.app_context():
        db.engine.dispose()


def assert_503_page(response):
    text = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, text[:400])
    assert "数据库暂时不可用" in text and "Traceback" not in text and "sqlalchemy" not in text.lower()
    assert response.headers["Retry-After"]


def test_database_down_gives_a_chinese_503_page(down_app):
    client = down_app.test_client()
    assert client.get("/auth/login").status_code == 200  # the sign-in form needs no database
    response = client.login("dayou-drafter")
    assert_503_page(response)
    assert response.mimetype == "text/html"


def test_database_down_for_a_signed_in_user(down_app):
    client = down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:" + "0" * 20  # the loader must ask the database
        session["_fresh"] = True
    for url in ("/", "/townships/1", "/inbox"):
        assert_503_page(client.get(url))
    # a page that does not exist stays a 404, in Chinese, although the layout cannot ask for the user
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面或数据不存在" in response.get_data(as_text=True)


def test_database_down_gives_json_503_in_the_api(down_app):
    client = down_app.test_client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    response = client.get("/api/v1/ping", headers={"Authorization": "Bearer dl_" + "x" * 43})
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "数据库暂时不可用，请稍后再试"
    assert response.headers["Retry-After"]
