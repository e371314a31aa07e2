"""Conditional GETs and reused pages (dutylist.views.pages): nobody is shown what they may not see, nothing
stale after a change, 304 only for the same page as the same viewer; gzip."""
from __future__ import annotations

import gzip
import re

from dutylist.extensions import db
from dutylist.models.base import utcnow
from dutylist.models.notification import Notification
from dutylist.services.snapshot import EntryData, publish_version
from workflow import operations as ops

from .factories import LEVELS, World, fields, fire, signed_in


def list_page(client, town, etag=None, **headers):
    if etag:
        headers["If-None-Match"] = etag
    return client.get(f"/townships/{town.id}", headers=headers)


NOTICE = "有一份修订稿正在进行"


def test_two_users_of_different_roles_see_their_own_page_of_one_version(app, world):
    w = world
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    office, water, drafter = (signed_in(app, u) for u in ("jimsar-office", "jimsar-water", "dayou-drafter"))
    seen = {}
    for name, client in (("office", office), ("water", water), ("drafter", drafter)):
        for _ in range(2):  # the second view is served from the worker's copy: it must be the same page
            resp = list_page(client, w.town)
            assert resp.status_code == 200
            seen.setdefault(name, set()).add(resp.get_data(as_text=True).count(f"/revisions/{rev.id}"))
        seen[name] = (seen[name], resp.headers["ETag"], resp.get_data(as_text=True))
    # the county office and the drafter read the open revision; a department not consulted does not
    assert seen["office"][0] == {1} and seen["drafter"][0] == {1}
    assert seen["water"][0] == {0} and NOTICE not in seen["water"][2]
    assert "jimsar-water" in seen["water"][2] and "jimsar-office" not in seen["water"][2]
    assert len({s[1] for s in seen.values()}) == 3
    # water is consulted: now it may read the revision, and its old ETag no longer answers 304
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.water.id], deadline=None)
    resp = list_page(water, w.town, seen["water"][1])
    assert resp.status_code == 200 and NOTICE in resp.get_data(as_text=True)


def test_start_button_only_for_the_drafter_even_when_the_page_is_reused(app, world):
    w = world
    drafter, office, other = (signed_in(app, u) for u in ("dayou-drafter", "jimsar-office", "quanzijie-drafter"))
    for _ in range(2):
        assert "发起修订" in list_page(drafter, w.town).get_data(as_text=True)
        assert "发起修订" not in list_page(office, w.town).get_data(as_text=True)
        assert "发起修订" not in list_page(other, w.town).get_data(as_text=True)


def test_304_only_when_the_etag_matches_for_the_same_viewer(app, world):
    w = world
    drafter, office = signed_in(app, "dayou-drafter"), signed_in(app, "jimsar-office")
    first = list_page(drafter, w.town)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and "private" in first.headers["Cache-Control"]
    assert "no-cache" in first.headers["Cache-Control"] and "Cookie" in first.headers["Vary"]
    again = list_page(drafter, w.town, etag)
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert list_page(drafter, w.town, 'W/"0123456789"').status_code == 200
    # the same ETag from another user (other role, other menus and header): the whole page
    other = list_page(office, w.town, etag)
    assert other.status_code == 200 and other.headers["ETag"] != etag
    # another page of the same user does not answer to it
    assert drafter.get(f"/townships/{w.other_town.id}", headers={"If-None-Match": etag}).status_code == 200
    # the same user in another browser: another CSRF secret, so the page's forms differ
    elsewhere = signed_in(app, "dayou-drafter")
    assert list_page(elsewhere, w.town, etag).status_code == 200


def test_new_version_published_is_shown_at_once(app, world):
    w = world
    client = signed_in(app, "jimsar-office")
    first = list_page(client, w.town)
    assert "第 1 版" in first.get_data(as_text=True)
    entries = World.entries() + [EntryData("basic", 4, fields("新增的一项履职事项"))]
    publish_version(w.town, entries, source="import", title="大有镇履职事项清单")
    db.session.commit()
    resp = list_page(client, w.town, first.headers["ETag"])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "第 2 版" in html and "新增的一项履职事项" in html
    # and the home page, which lists the current version of every township
    assert "第 2 版" in client.get(f"/?place={w.county.id}").get_data(as_text=True)


def test_renamed_user_and_new_notification_show_in_the_reused_page(app, world):
    w = world
    client = signed_in(app, "dayou-drafter")
    first = list_page(client, w.town)
    home = client.get("/")
    assert 'id="unread-count"' not in first.get_data(as_text=True)
    w.drafter.display_name = "大有镇王起草"
    db.session.add(Notification(user_id=w.drafter.id, kind="published", text="新版本已发布", link="/"))
    db.session.commit()
    for resp in (list_page(client, w.town, first.headers["ETag"]),
                 client.get("/", headers={"If-None-Match": home.headers["ETag"]})):
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "大有镇王起草" in html
        assert re.search(r'id="unread-count">1<', html)
    # read: the count goes, and the page with it
    db.session.execute(db.update(Notification).values(read_at=utcnow()))
    db.session.commit()
    assert 'id="unread-count"' not in list_page(client, w.town).get_data(as_text=True)


def test_renamed_place_shows_on_the_home_page_and_the_list(app, world):
    w = world
    client = signed_in(app, "jimsar-office")
    home = client.get(f"/?place={w.county.id}")
    page = list_page(client, w.town)
    w.town.name, w.town.updated_at = "大有乡", utcnow()
    db.session.commit()
    assert "大有乡" in client.get(f"/?place={w.county.id}", headers={"If-None-Match": home.headers["ETag"]}
                                ).get_data(as_text=True)
    assert "大有乡" in list_page(client, w.town, page.headers["ETag"]).get_data(as_text=True)


def test_revision_moves_change_the_notice(app, world):
    w = world
    client = signed_in(app, "dayou-drafter")  # the drafter is not notified of its own submission
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    first = list_page(client, w.town)
    assert "（起草中，第 0 轮）" in first.get_data(as_text=True)
    fire(rev, "submit", w.drafter)
    resp = list_page(client, w.town, first.headers["ETag"])
    assert resp.status_code == 200 and "（已上报待受理，第 1 轮）" in resp.get_data(as_text=True)
    fire(rev, "accept", w.officer, levels=LEVELS)
    assert "（县级审核中，第 1 轮）" in list_page(client, w.town, resp.headers["ETag"]).get_data(as_text=True)


def test_the_reused_page_carries_a_csrf_token_that_works(app, world):
    w = world
    client = signed_in(app, "dayou-drafter")
    list_page(client, w.town)
    html = list_page(client, w.town).get_data(as_text=True)  # from the worker's copy
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = client.post("/auth/logout", data={"csrf_token": token})
    assert resp.status_code == 302


def test_flashed_message_is_shown_not_cached(app, world):
    w = world
    client = signed_in(app, "dayou-drafter")
    first = list_page(client, w.town)
    with client.session_transaction() as sess:
        sess["_flashes"] = [("info", "一条提示")]
    resp = list_page(client, w.town, first.headers["ETag"])
    assert resp.status_code == 200 and "一条提示" in resp.get_data(as_text=True)
    assert "一条提示" not in list_page(client, w.town).get_data(as_text=True)


def test_gzip_when_accepted_same_page(app, world):
    w = world
    client = signed_in(app, "dayou-drafter")
    plain = list_page(client, w.town)
    assert "Content-Encoding" not in plain.headers
    for _ in range(2):  # rendered, then reused (compressed once, kept)
        packed = list_page(client, w.town, **{"Accept-Encoding": "gzip, deflate"})
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data)
        assert packed.headers["ETag"] == plain.headers["ETag"]
    # other pages are compressed on the fly; tiny answers are not
    inbox = client.get("/workflow", headers={"Accept-Encoding": "gzip"})
    assert inbox.headers.get("Content-Encoding") == "gzip" and b"<html" in gzip.decompress(inbox.data)
    assert "Content-Encoding" not in client.get("/favicon.ico", headers={"Accept-Encoding": "gzip"}).headers


def test_page_cache_off_still_answers_304(app, world):
    w = world
    app.config["PAGE_CACHE"] = 0
    try:
        client = signed_in(app, "dayou-drafter")
        first = list_page(client, w.town)
        assert list_page(client, w.town, first.headers["ETag"]).status_code == 304
    finally:
        app.config["PAGE_CACHE"] = 32


def test_dashboard_follows_every_move(app, world):
    w = world
    client = signed_in(app, "changji-prefecture")  # not notified of a submission
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    first = client.get("/dashboard")
    submitted = re.compile(r'已上报待受理 <strong class="n">(\d+)</strong>')
    assert submitted.search(first.get_data(as_text=True)).group(1) == "0"
    assert client.get("/dashboard", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    fire(rev, "submit", w.drafter)
    resp = client.get("/dashboard", headers={"If-None-Match": first.headers["ETag"]})
    assert resp.status_code == 200 and resp.headers["ETag"] != first.headers["ETag"]
    assert submitted.search(resp.get_data(as_text=True)).group(1) == "1"
    # another filter is another page
    other = client.get("/dashboard?state=drafting", headers={"If-None-Match": resp.headers["ETag"]})
    assert other.status_code == 200


def test_a_deputyship_named_since_shows_its_badge_in_the_reused_page(app, world):
    """The header's 代理 badge is part of what the page shows: naming a deputy changes the deputy's page."""
    from dutylist.clock import today
    from dutylist.models import Role, User
    from dutylist.services import delegations, passwords

    w = world
    deputy = User(username="jimsar-office-2", display_name="张三", role=Role.county_office, organisation=w.office)
    passwords.set_password(deputy, "test-password-123")
    db.session.add(deputy)
    db.session.commit()
    client = signed_in(app, "jimsar-office-2")
    first = list_page(client, w.town)
    assert 'id="acting-for"' not in first.get_data(as_text=True)
    delegations.name_deputy(w.officer, deputy, today(), today())
    db.session.commit()
    again = list_page(client, w.town, first.headers["ETag"])
    assert again.status_code == 200 and 'id="acting-for"' in again.get_data(as_text=True)


def diff_page(client, town, etag=None, **args):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/townships/{town.id}/diff", query_string=args, headers=headers)


def test_the_diff_of_two_published_versions_is_reused_revalidated_and_follows_a_new_version(app, world):
    w = world
    publish_version(w.town, World.entries() + [EntryData("basic", 4, fields("第二版新增的事项"))], source="import",
                    title="第2版")
    db.session.commit()
    office, drafter = signed_in(app, "jimsar-office"), signed_in(app, "dayou-drafter")
    first = diff_page(office, w.town)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "第 1 版 → 第 2 版" in html and "第二版新增的事项" in html
    again = diff_page(office, w.town)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert diff_page(office, w.town, first.headers["ETag"]).status_code == 304
    # another viewer, or another table asked for: its own page
    theirs = diff_page(drafter, w.town, first.headers["ETag"])
    assert theirs.status_code == 200 and "dayou-drafter" in theirs.get_data(as_text=True)
    filtered = diff_page(office, w.town, first.headers["ETag"], kind="cooperative")
    assert filtered.status_code == 200 and "第二版新增的事项" not in filtered.get_data(as_text=True)
    assert diff_page(office, w.town, kind="nonsense").status_code == 400
    # a third version: the default pair is now 2 → 3, and the old ETag no longer answers
    publish_version(w.town, World.entries() + [EntryData("basic", 4, fields("第三版改写的事项"))], source="import",
                    title="第3版")
    db.session.commit()
    latest = diff_page(office, w.town, first.headers["ETag"])
    html = latest.get_data(as_text=True)
    assert latest.status_code == 200 and "第 2 版 → 第 3 版" in html and "第三版改写的事项" in html
    # the township renamed: the crumbs of the kept page follow
    w.town.name, w.town.updated_at = "大有乡", utcnow()
    db.session.commit()
    assert "大有乡" in diff_page(office, w.town, latest.headers["ETag"]).get_data(as_text=True)


def test_a_search_page_is_reused_revalidated_and_follows_a_publication(app, world):
    w = world
    office, drafter = signed_in(app, "jimsar-office"), signed_in(app, "dayou-drafter")
    path = "/search?q=" + "政府信息公开"
    first = office.get(path)
    assert first.status_code == 200 and "第 1 版" in first.get_data(as_text=True)
    again = office.get(path)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert office.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # another viewer, another query: their own pages
    assert drafter.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    other = office.get("/search?q=" + "四老", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and "四老" in other.get_data(as_text=True)
    # a place that does not exist: refused, nothing kept
    assert office.get(path + f"&organisation={w.town.id + 10_000}").status_code == 400
    # a new version: the old ETag no longer answers and the hit is in the new version
    publish_version(w.town, World.entries(), source="import", title="第2版")
    db.session.commit()
    latest = office.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert latest.status_code == 200 and "第 2 版" in latest.get_data(as_text=True)
    # the township renamed (no publication): the hit shows the new name
    w.town.name, w.town.updated_at = "大有乡", utcnow()
    db.session.commit()
    assert "大有乡" in office.get(path, headers={"If-None-Match": latest.headers["ETag"]}).get_data(as_text=True)


def test_every_cache_key_names_its_database_and_hides_the_password(tmp_path):
    """caching.database_key(), in every kept page's, table's and result's key: two databases never share a
    key, and a URL's password never reaches one (it is rendered once per engine, not per use)."""
    from dutylist import caching
    from dutylist.app import create_app

    keys = []
    for name in ("one", "two"):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite3", "SECRET_KEY": "k"})
        with app.app_context():
            keys.append(caching.database_key())
            assert caching.database_key() is keys[-1]  # the same text, not rendered again
    assert keys[0] != keys[1] and keys[0].endswith("one.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:secret-word@127.0.0.1:1/x", "SECRET_KEY": "k"})
    with app.app_context():
        assert "secret-word" not in caching.database_key() and "***" in caching.database_key()
