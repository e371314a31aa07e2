"""Sign-in and sign-out as a user does them, with CSRF and the audit trail."""
import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import AuditEvent
from dutylist.services import passwords


def actions():
    return [(e.action, e.outcome, e.actor_name) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def test_pages_require_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_login_page_is_chinese_and_carries_csrf(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "登录" in html and "用户名" in html and "密码" in html
    assert 'name="csrf_token"' in html


def test_sign_in_and_out(client, drafter):
    response = client.login("dayou-drafter")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "dayou-drafter" in page and "乡镇起草人" in page
    response = client.post_form("/auth/logout", follow_redirects=True)
    assert "已退出登录" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert actions() == [("login", "ok", "dayou-drafter"), ("logout", "ok", "dayou-drafter")]


def test_wrong_password_is_refused_and_audited(client, drafter):
    response = client.login("dayou-drafter", "wrong-password")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert actions() == [("login_failed", "failed", "dayou-drafter")]


def test_unknown_user_is_refused_and_audited(client, drafter):
    response = client.login("nobody", "whatever-password")
    assert response.status_code == 400
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "login_failed" and event.actor_id is None
    assert event.details == {"username": "nobody"}


def test_sign_in_without_csrf_token_is_refused(client, drafter):
    response = client.post("/auth/login", data={"username": "dayou-drafter", "password": "test-password-123"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert actions() == []


def test_logout_needs_post_with_csrf(client, drafter):
    client.login("dayou-drafter")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_inactive_user_cannot_sign_in(client, drafter):
    drafter.active = False
    db.session.commit()
    assert client.login("dayou-drafter").status_code == 400


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_no_open_redirect_after_sign_in(client, drafter, target):
    response = client.login("dayou-drafter", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_safe_next_is_followed(client, drafter):
    response = client.login("dayou-drafter", query_string={"next": "/townships/1"})
    assert response.headers["Location"] == "/townships/1"


def test_security_headers(client):
    response = client.get("/auth/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_password_is_hashed_with_scrypt_by_default(drafter):
    assert "test-password-123" not in drafter.password_hash
    assert drafter.check_password("test-password-123") and not drafter.check_password("wrong")
    from dutylist.config import Config
    assert "PASSWORD_HASH_METHOD" not in vars(Config)  # production keeps werkzeug's scrypt
    from dutylist.models import User
    u = User()
    from flask import current_app
    current_app.config.pop("PASSWORD_HASH_METHOD")
    try:
        passwords.set_password(u, "another-password")
    finally:
        current_app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert u.password_hash.startswith("scrypt:")
