"""The test set-up itself: a test's writes are rolled back, the app's commits still behave as commits.

The tests run in file order: the later ones check that the earlier ones left nothing behind.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Role, User
from tests.factories import World


def rows_seen_from_another_connection(model) -> int:
    with db.engine.connect() as other:
        return other.scalar(select(func.count()).select_from(model))


def test_a_test_writes_through_the_client_and_the_session(app, client, make_org, make_user):
    w = World()
    assert client.login("admin").status_code == 302
    r = client.post_form(f"/admin/orgs/new?parent={w.region.id}",
                         {"name": "伊犁哈萨克自治州", "kind": "prefecture", "short_name": ""})
    assert r.status_code == 302
    # what the request committed, the test's session reads (after ending its own read, as usual)
    db.session.rollback()
    assert db.session.scalars(select(Organisation).where(Organisation.name == "伊犁哈萨克自治州")).one()
    make_user("extra", Role.township_drafter, make_org("额外镇", OrgKind.township, w.county))
    assert db.session.scalar(select(func.count()).select_from(User)) > 1
    # ... while the database itself holds none of it: one transaction, rolled back after the test
    assert rows_seen_from_another_connection(Organisation) == 0


def test_a_refused_request_writes_nothing_and_the_test_keeps_its_own_rows(app, client):
    w = World()
    assert client.login("admin").status_code == 302
    r = client.post_form(f"/admin/orgs/new?parent={w.region.id}", {"name": "", "kind": "prefecture", "short_name": ""})
    assert r.status_code != 302
    db.session.rollback()
    assert db.session.get(Organisation, w.region.id) is not None
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 13


def test_the_previous_tests_left_nothing_behind(app):
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.commits
def test_a_test_marked_commits_writes_for_good(app):
    World()
    assert rows_seen_from_another_connection(Organisation) == 13


def test_and_its_rows_are_deleted_after_it(app):
    assert rows_seen_from_another_connection(Organisation) == 0


def test_the_app_s_own_savepoints_work_inside_the_test_s_transaction(app):
    w = World()
    savepoint = db.session.begin_nested()
    db.session.add(Organisation(name="临时镇", kind=OrgKind.township, parent=w.county))
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(Organisation.name == "临时镇")) == 0
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_a_test_without_the_marker_that_commits_on_another_connection(app):
    with Session(db.engine) as other:  # as a thread or a raw connection would
        other.add(Organisation(name="别处自治区", kind=OrgKind.region))
        other.commit()
    assert rows_seen_from_another_connection(Organisation) == 1


def test_is_cleaned_up_after_all(app):
    assert rows_seen_from_another_connection(Organisation) == 0
