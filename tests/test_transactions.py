"""How a request's transaction ends (dutylist/transactions.py): on PostgreSQL a request that only read is committed,
so that the connection keeps its prepared statements; anything else is rolled back, as before, so nothing a
request left unfinished is ever kept — a direct INSERT, a flushed or unflushed change, a request that failed."""
from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from dutylist import config
from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind

pytestmark = pytest.mark.commits  # real transactions, on the app's own connections

NAME = "事务测试部门"


@pytest.fixture
def own_app(app, request):
    """A second app on the test database, with routes that read, write or fail and never commit (settings:
    the test's `settings` mark)."""
    mark = request.node.get_closest_marker("settings")
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                        "SECRET_KEY": "test-secret", **(mark.args[0] if mark else {})})

    def existing() -> Organisation:
        return db.session.scalar(select(Organisation).where(Organisation.name == NAME))

    @other.get("/t/read")
    def read():
        return str(db.session.scalar(select(func.count()).select_from(Organisation)))

    @other.get("/t/core-insert")
    def core_insert():
        db.session.execute(insert(Organisation).values(name=NAME + "甲", kind=OrgKind.department.value))
        return "inserted, not committed"

    @other.get("/t/flushed")
    def flushed():
        db.session.add(Organisation(name=NAME + "乙", kind=OrgKind.department.value))
        db.session.flush()
        return "flushed, not committed"

    @other.get("/t/pending")
    def pending():
        db.session.add(Organisation(name=NAME + "丙", kind=OrgKind.department.value))
        return "added, not flushed"

    @other.get("/t/renamed")
    def renamed():
        existing().name = "改名未提交"
        return "renamed, not flushed"

    @other.get("/t/fails")
    def fails():
        db.session.add(Organisation(name=NAME + "丁", kind=OrgKind.department.value))
        db.session.flush()
        abort(400)

    @other.get("/t/caught")
    def caught():
        db.session.add(Organisation(id=existing().id, name=NAME + "戊", kind=OrgKind.department.value))
        try:
            db.session.flush()
        except IntegrityError:
            return "the same id again: refused, and not rolled back here"
        return "flushed?"

    @other.get("/t/prepared")
    def prepared():
        return "\n".join(db.session.scalars(text("SELECT statement FROM pg_prepared_statements")))

    with other.app_context():
        db.session.add(Organisation(name=NAME, kind=OrgKind.department.value))
        db.session.commit()
        engine = db.engine
    ends = []
    event.listen(engine, "commit", lambda conn: ends.append("commit"))
    event.listen(engine, "rollback", lambda conn: ends.append("rollback"))
    other.ends = ends
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def names(app) -> set[str]:
    """The organisations' names, read on a connection of its own (what another request would see)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return set(conn.scalars(select(Organisation.name)))
    finally:
        engine.dispose()


def test_a_request_that_only_read_is_committed_on_postgresql(own_app, backend):
    client = own_app.test_client()
    assert client.get("/t/read").text == "1"
    # SQLite: nothing to keep, so its requests end as they always did
    assert own_app.ends == (["commit"] if backend == "postgresql" else ["rollback"])


@pytest.mark.parametrize("path", ["/t/core-insert", "/t/flushed", "/t/pending", "/t/renamed", "/t/fails", "/t/caught"])
def test_a_request_that_left_a_change_uncommitted_is_rolled_back(own_app, path):
    response = own_app.test_client().get(path)
    assert response.status_code == (400 if path == "/t/fails" else 200)
    if path == "/t/caught":  # a flush that failed and was caught: the transaction inactive, ended by the close
        assert "refused" in response.text
    assert names(own_app) == {NAME}  # nothing inserted, nothing renamed
    assert "commit" not in own_app.ends


def test_postgresql_keeps_a_statement_prepared_across_requests(own_app, backend):
    if backend != "postgresql":
        pytest.skip("prepared statements: PostgreSQL (psycopg prepares a statement on its fifth run)")
    client = own_app.test_client()
    for _ in range(6):  # one connection serves them all, one after the other
        assert client.get("/t/read").text == "1"
    prepared = client.get("/t/prepared").text
    assert "count(*)" in prepared and "organisation" in prepared


@pytest.mark.settings({"PG_PREPARE_THRESHOLD": None})
def test_postgresql_prepares_nothing_when_told_so(own_app, backend):
    """PG_PREPARE_THRESHOLD=off: behind a pooler that hands each transaction another server connection."""
    if backend != "postgresql":
        pytest.skip("prepared statements: PostgreSQL")
    client = own_app.test_client()
    for _ in range(6):
        assert client.get("/t/read").text == "1"
    assert client.get("/t/prepared").text == ""


@pytest.mark.parametrize("raw, value", [("5", 5), ("0", 0), ("off", None), ("OFF", None), (" 12 ", 12)])
def test_the_prepare_threshold_setting(monkeypatch, raw, value):
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", raw)
    assert config.prepare_threshold() == value


def test_a_wrong_prepare_threshold_is_named(monkeypatch):
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", "always")
    with pytest.raises(ValueError, match="PG_PREPARE_THRESHOLD"):
        config.prepare_threshold()


def test_what_a_read_loaded_is_still_readable_after_the_request(own_app, backend):
    """As the session's close leaves them: loaded and detached, not expired (a commit would expire them)."""
    with own_app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == NAME))
    assert own_app.ends == (["commit"] if backend == "postgresql" else ["rollback"])
    assert org.name == NAME and org.kind == OrgKind.department.value
