"""The hit path of reused pages (dutylist.views.page_hits): a revisit costs one SQL statement, and is never
another user's page, never a page of a user who may no longer see it, never stale after a change."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import Role, User
from dutylist.models.base import utcnow
from dutylist.models.notification import Notification
from dutylist.models.org import new_session_token
from dutylist.views import lists, page_hits
from workflow import operations as ops

from .factories import LEVELS, World, fire

#: the hit path reads on a connection of its own (views.page_hits): it must see what the test committed
pytestmark = pytest.mark.commits


@pytest.fixture
def world(app):
    return World()


def client_of(app, username):
    client = app.test_client()
    assert client.login(username).status_code == 302
    return client


@contextmanager
def statements():
    """The SQL statements run: through the engine, and the hit path's read (on the driver's cursor)."""
    seen: list[str] = []
    read = page_hits._read

    def listener(conn, cursor, statement, *rest):
        seen.append(statement)

    def hit_read(statement, params):
        seen.append("hit path read")
        return read(statement, params)
    event.listen(db.engine, "before_cursor_execute", listener)
    page_hits._read = hit_read
    try:
        yield seen
    finally:
        page_hits._read = read
        event.remove(db.engine, "before_cursor_execute", listener)


def page(client, path, etag=None, **headers):
    if etag:
        headers["If-None-Match"] = etag
    return client.get(path, headers=headers)


NOTICE = "有一份修订稿正在进行"


@pytest.mark.parametrize("path", ["/townships/{town}", "/?place={county}", "/", "/dashboard", "/inbox"])
def test_a_revisit_is_one_statement_and_the_same_page(app, world, path):
    w = world
    path = path.format(town=w.town.id, county=w.county.id)
    client = client_of(app, "jimsar-office")
    first = page(client, path)  # rendered (and the key read again after rendering)
    assert first.status_code == 200
    with statements() as seen:
        again = page(client, path)
    assert again.status_code == 200 and again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert len(seen) == 1, seen
    with statements() as seen:
        assert page(client, path, first.headers["ETag"]).status_code == 304
    assert len(seen) == 1


def test_pages_kept_for_one_user_are_never_shown_to_another(app, world):
    w = world
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    clients = {name: client_of(app, name) for name in ("dayou-drafter", "jimsar-office", "jimsar-water",
                                                       "changji-prefecture", "quanzijie-drafter")}
    seen = {}
    for _ in range(2):  # the second round is served by the hit path
        for name, client in clients.items():
            resp = page(client, f"/townships/{w.town.id}")
            html = resp.get_data(as_text=True)
            assert resp.status_code == 200 and f"{name}（" in html
            assert not any(f"{other}（" in html for other in clients if other != name)
            seen.setdefault(name, set()).add((resp.headers["ETag"], html.count(f"/revisions/{rev.id}"),
                                              "发起修订" in html))
    assert all(len(v) == 1 for v in seen.values()), seen
    reads = {name: next(iter(v))[1] for name, v in seen.items()}
    # the drafter and the county office read the open revision; a department not consulted, a prefecture
    # before its stage and another township's drafter do not
    assert reads == {"dayou-drafter": 1, "jimsar-office": 1, "jimsar-water": 0, "changji-prefecture": 0,
                     "quanzijie-drafter": 0}
    assert len({next(iter(v))[0] for v in seen.values()}) == len(clients)
    # one user's ETag from another user: the other's own page, never 304
    drafter_tag = next(iter(seen["dayou-drafter"]))[0]
    resp = page(clients["quanzijie-drafter"], f"/townships/{w.town.id}", drafter_tag)
    assert resp.status_code == 200 and "dayou-drafter（" not in resp.get_data(as_text=True)


def test_a_deactivated_user_or_an_ended_session_gets_no_kept_page(app, world):
    w = world
    client = client_of(app, "dayou-drafter")
    path = f"/townships/{w.town.id}"
    first = page(client, path)
    assert page(client, path).status_code == 200
    # the password changed in another browser: this session's key no longer matches
    w.drafter.session_token = new_session_token()
    db.session.commit()
    for etag in (None, first.headers["ETag"]):
        resp = page(client, path, etag)
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    other = client_of(app, "quanzijie-drafter")
    assert page(other, path).status_code == 200 and page(other, path).status_code == 200
    w.other_drafter.active = False
    db.session.commit()
    resp = page(other, path)
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_a_temporary_password_or_a_role_taken_away_is_enforced_on_a_revisit(app, world):
    w = world
    path = f"/townships/{w.town.id}"
    client = client_of(app, "jimsar-civil")
    etag = page(client, path).headers["ETag"]
    assert page(client, path).status_code == 200
    w.civil_user.must_change_password = True
    db.session.commit()
    resp = page(client, path, etag)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/password")
    w.civil_user.must_change_password = False
    w.civil_user.role = None
    db.session.commit()
    assert page(client, path, etag).status_code == 403
    assert page(client, "/").status_code == 403
    # an auditor is refused the lists, a department the dashboard, whatever was kept before
    w.civil_user.role = Role.audit_admin
    db.session.commit()
    assert page(client, path).status_code == 403
    office = client_of(app, "jimsar-office")
    assert page(office, "/dashboard").status_code == 200 and page(office, "/dashboard").status_code == 200
    w.officer.role = Role.county_department
    db.session.commit()
    assert page(office, "/dashboard").status_code == 403


def test_rights_that_change_change_the_page(app, world):
    """What the page shows of the user's rights is decided again on every revisit."""
    w = world
    path = f"/townships/{w.town.id}"
    drafter, water, pref = (client_of(app, u) for u in ("dayou-drafter", "jimsar-water", "changji-prefecture"))
    for _ in range(2):
        assert "发起修订" in page(drafter, path).get_data(as_text=True)
    # the drafter moves to the neighbouring township: no start button here any more
    w.drafter.organisation = w.other_town
    db.session.commit()
    assert "发起修订" not in page(drafter, path).get_data(as_text=True)
    w.drafter.organisation = w.town
    db.session.commit()
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    for client in (water, pref):
        for _ in range(2):
            assert NOTICE not in page(client, path).get_data(as_text=True)
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.water.id], deadline=None, levels=LEVELS)
    # consulted: the department reads it now; the prefecture still not (not its stage yet)
    assert NOTICE in page(water, path).get_data(as_text=True)
    assert NOTICE not in page(pref, path).get_data(as_text=True)


def test_every_change_the_page_shows_is_shown_at_once(app, world):
    w = world
    path = f"/townships/{w.town.id}"
    client = client_of(app, "dayou-drafter")
    etags = {page(client, path).headers["ETag"]}
    assert page(client, path).status_code == 200

    def revisit():
        resp = page(client, path)
        assert resp.status_code == 200 and resp.headers["ETag"] not in etags
        etags.add(resp.headers["ETag"])
        return resp.get_data(as_text=True)

    w.drafter.display_name = "大有镇王起草"
    db.session.commit()
    assert "大有镇王起草" in revisit()
    db.session.add(Notification(user_id=w.drafter.id, kind="published", text="新版本已发布", link="/"))
    db.session.commit()
    assert re.search(r'id="unread-count">1<', revisit())
    w.county.name, w.county.updated_at = "吉木萨尔县（新）", utcnow()
    db.session.commit()
    assert "吉木萨尔县（新）" in revisit()
    w.town.updated_at = utcnow()
    w.town.name = "大有乡"
    db.session.commit()
    assert "大有乡" in revisit()
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    assert "（起草中，第 0 轮）" in revisit()
    fire(rev, "submit", w.drafter)
    assert "（已上报待受理，第 1 轮）" in revisit()
    # another day: the print date in the page
    clock.set_today(clock.today() + timedelta(days=1))
    try:
        assert (clock.today()).strftime("%Y") in revisit()
    finally:
        clock.set_today(None)


def test_a_change_made_while_the_page_renders_is_not_hidden_behind_the_old_key(app, world, monkeypatch):
    w = world
    path = f"/townships/{w.town.id}"
    client = client_of(app, "dayou-drafter")  # the sign-in form left the session's CSRF secret
    render = lists._render_list_page

    def render_then_rename(context):
        html = render(context)
        user = db.session.get(User, w.drafter.id)
        user.display_name = "改名后的起草人"
        db.session.commit()
        return html
    monkeypatch.setattr(lists, "_render_list_page", render_then_rename)
    stale = page(client, path)
    assert "ETag" not in stale.headers  # rendered before the change: sent, not kept
    monkeypatch.setattr(lists, "_render_list_page", render)
    assert "改名后的起草人" in page(client, path).get_data(as_text=True)


def test_the_inbox_follows_every_move(app, world):
    w = world
    office, drafter = client_of(app, "jimsar-office"), client_of(app, "dayou-drafter")
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    for _ in range(2):
        assert f"/revisions/{rev.id}" not in page(office, "/inbox").get_data(as_text=True)
        assert "修订稿起草中，待上报" in page(drafter, "/inbox").get_data(as_text=True)
    etag = page(office, "/inbox").headers["ETag"]
    fire(rev, "submit", w.drafter)
    resp = page(office, "/inbox", etag)
    assert resp.status_code == 200 and "第 1 轮上报，待受理并征求部门意见" in resp.get_data(as_text=True)
    assert "修订稿起草中" not in page(drafter, "/inbox").get_data(as_text=True)
    fire(rev, "accept", w.officer, departments=[w.water.id], deadline=None, levels=LEVELS)
    assert "第 1 轮：待提出意见并签署" in page(client_of(app, "jimsar-water"), "/inbox").get_data(as_text=True)
    assert "尚未签署" in page(office, "/inbox").get_data(as_text=True)


def test_a_session_used_from_another_browser_is_not_served_by_the_hit_path(app, world):
    """Flask-Login's session protection still applies: in "strong" mode the session ends."""
    w = world
    path = f"/townships/{w.town.id}"
    client = client_of(app, "dayou-drafter")
    assert page(client, path).status_code == 200 and page(client, path).status_code == 200
    app.config["SESSION_PROTECTION"] = "strong"
    try:
        resp = page(client, path, **{"User-Agent": "another browser"})
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    finally:
        app.config.pop("SESSION_PROTECTION")


def test_a_deputy_is_served_by_the_full_path(app, world):
    from dutylist.services import delegations, passwords

    w = world
    deputy = User(username="jimsar-office-2", display_name="张三", role=Role.county_office, organisation=w.office)
    passwords.set_password(deputy, "test-password-123")
    db.session.add(deputy)
    db.session.commit()
    delegations.name_deputy(w.officer, deputy, clock.today(), clock.today())
    db.session.commit()
    client = app.test_client()
    assert client.login("jimsar-office-2", "test-password-123").status_code == 302
    path = f"/townships/{w.town.id}"
    assert 'id="acting-for"' in page(client, path).get_data(as_text=True)
    with statements() as seen:
        again = page(client, path)
    assert 'id="acting-for"' in again.get_data(as_text=True) and len(seen) > 1


def test_a_connection_the_database_closed_is_dropped_and_the_page_still_served(app, world, backend):
    """The hit path's pool does not test its connections before use (no "SELECT 1" per request): a dead one
    costs the request the full path, and is replaced."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL: a server that closes connections")
    from sqlalchemy import text

    w = world
    path = f"/townships/{w.town.id}"
    client = client_of(app, "jimsar-office")
    first = page(client, path)
    assert page(client, path).data == first.data
    db.session.close()
    with db.engine.connect() as conn:  # every other connection to this database is closed by the server
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    again = page(client, path)  # rendered again: another CSRF token (signed with the time), the same page
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert "jimsar-office（" in again.get_data(as_text=True)
    with statements() as seen:
        page(client, path)  # the hit path again, on a new connection
        assert page(client, path).status_code == 200
    assert len(seen) == 2, seen
