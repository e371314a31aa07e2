"""The fixed cost of a signed-in page (issue 17): the user, its organisation, the header's role label
and its 代理 badge read without lazy loads; the layout's constant links built once per app and script
root; the history page without the versions' import reports."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Role
from dutylist.services import delegations
from dutylist.services.snapshot import publish_version
from workflow import operations as ops

from .factories import World, signed_in, statements


def test_the_header_needs_no_query_of_its_own_when_nobody_named_the_user_deputy(app, world):
    office = signed_in(app, "jimsar-office")
    with statements() as seen:
        page = office.get("/inbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "jimsar-office（吉木萨尔县委编办 · 县委编办审核人）" in html and 'id="acting-for"' not in html
    # the user, its organisation and that one's parent (the role label) and the unread count: one statement
    assert not [s for s in seen if s.startswith("SELECT delegation.")], seen
    assert not [s for s in seen if s.startswith("SELECT organisation.") and "WHERE organisation.id = " in s], seen


def test_a_deputy_still_sees_whom_they_act_for_and_stops_when_withdrawn(app, world):
    deputy = World._user("jimsar-office-2", Role.county_office, world.office)
    db.session.commit()
    today = clock.today()
    named = delegations.name_deputy(world.officer, deputy, today, today + timedelta(days=3))
    db.session.commit()
    client = signed_in(app, "jimsar-office-2")
    assert "代理：jimsar-office" in client.get("/inbox").get_data(as_text=True)
    delegations.withdraw(named, world.officer)
    db.session.commit()
    assert 'id="acting-for"' not in client.get("/inbox").get_data(as_text=True)


def _nav(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html.split('<nav aria-label="主导航">')[1].split("</nav>")[0])


def test_the_layouts_links_follow_the_script_root_of_each_request(app, world):
    office = signed_in(app, "jimsar-office")
    plain = _nav(office.get("/inbox").get_data(as_text=True))
    mounted = office.get("/inbox", base_url="http://localhost/dutylist").get_data(as_text=True)
    again = _nav(office.get("/inbox").get_data(as_text=True))
    assert plain and all(h.startswith("/") and not h.startswith("/dutylist/") for h in plain)
    assert _nav(mounted) == ["/dutylist" + h for h in plain]
    assert 'href="/dutylist/static/app.css"' in mounted and 'action="/dutylist/auth/logout"' in mounted
    assert again == plain


def test_the_history_page_does_not_read_the_import_reports(app, world):
    office = signed_in(app, "jimsar-office")
    with statements() as seen:
        page = office.get(f"/townships/{world.town.id}/history")
    assert page.status_code == 200
    assert not [s for s in seen if "import_report" in s], seen


def _pickers(html: str) -> list[str]:
    return re.findall(r'<select name="a">(.*?)</select>', html)[0].split("</option>")[:-1]


def test_the_diff_page_offers_every_version_with_two_or_with_more(app, world):
    office = signed_in(app, "jimsar-office")
    path = f"/townships/{world.town.id}/diff"
    with statements() as seen:
        one = office.get(path)
    assert one.status_code == 200 and len(_pickers(one.get_data(as_text=True))) == 1
    assert len([s for s in seen if s.startswith("SELECT version.")]) == 1, seen
    entries = world.entries()
    for n in (2, 3):
        publish_version(world.town, entries, source="import", title=f"第{n}版")
        db.session.commit()
        html = office.get(path).get_data(as_text=True)
        options = _pickers(html)
        assert [re.sub(r"<[^>]*>", "", o).strip() for o in options] == [f"第 {i} 版" for i in range(1, n + 1)]
        assert "selected" in options[-2] and "selected" not in options[-1]  # a: the one before the last
        assert 'name="b"' in html and html.split('<select name="b">')[1].split("</select>")[0].count("selected") == 1


def test_the_list_page_reads_its_versions_and_open_draft_in_one_statement(app, world):
    path = f"/townships/{world.town.id}"
    drafter = signed_in(app, "dayou-drafter")
    assert "有一份修订稿正在进行" not in drafter.get(path).get_data(as_text=True)
    rev = ops.start_revision(world.town, world.drafter, title="大有镇修订稿")
    db.session.commit()
    with statements() as seen:
        page = drafter.get(path).get_data(as_text=True)
    assert f'/revisions/{rev.id}">大有镇修订稿</a>' in page
    assert not [s for s in seen if s.startswith("SELECT revision.")], seen  # read with the versions
    # a user who may not read the draft is not told of it
    other = signed_in(app, "quanzijie-drafter")
    assert "有一份修订稿正在进行" not in other.get(path).get_data(as_text=True)


def test_the_list_page_around_reused_tables_loads_no_deferred_column(demo_app, demo_client, monkeypatch):
    """Rendered around tables kept from an earlier view (the page itself not reused: PAGE_CACHE off), the
    list page still shows the import's warnings, read by one compiled statement rather than the ORM's lazy
    load of the deferred column (a second ORM query per page)."""
    # the demo app serves the whole session: its settings are given back after this test
    monkeypatch.setitem(demo_app.config, "PAGE_CACHE", 0)
    monkeypatch.setitem(demo_app.config, "VERSION_HTML_CACHE", 64)
    assert demo_client.login("dayou-drafter", "Demo-2025!").status_code == 302
    with demo_app.app_context():
        town = db.session.scalar(db.select(Organisation.id).where(Organisation.name == "奇台镇",
                                                                  Organisation.kind == OrgKind.township))
    first = demo_client.get(f"/townships/{town}").get_data(as_text=True)  # renders and keeps the tables
    column_loads = []

    def orm_execute(state):
        if state.is_column_load:
            column_loads.append(str(state.statement))
    event.listen(Session, "do_orm_execute", orm_execute)
    try:
        with statements() as seen:
            again = demo_client.get(f"/townships/{town}").get_data(as_text=True)
    finally:
        event.remove(Session, "do_orm_execute", orm_execute)
    assert "导入提示" in first and again == first
    assert not column_loads, column_loads
    assert len([s for s in seen if "import_report" in s]) == 1, seen
