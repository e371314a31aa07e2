"""`flask db upgrade` builds the schema from nothing, and it matches the models."""
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text

from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.models import Notification, User
from dutylist.search.backend import alembic_include_name
from workflow import operations as ops

from .conftest import _make_database
from .factories import World, fire


@pytest.fixture
def empty_url(backend, tmp_path_factory, pg_available):
    url, drop = _make_database(backend, tmp_path_factory, pg_available, "migrate")
    yield url
    drop()


def test_upgrade_from_nothing_matches_models(empty_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_url, "TESTING": True})
    with app.app_context():
        upgrade()
        engine = db.engine
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": alembic_include_name})
            diff = compare_metadata(context, db.metadata)
        tables = set(inspect(engine).get_table_names())
        db.session.remove()
        engine.dispose()
    assert diff == []
    # the full-text structures, made by raw DDL in the migration, exist too
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
            assert {"search_text_fts", "search_text_ai", "search_text_ad", "search_text_au"} <= names
        else:
            # the trigram index in its 16 parts (migration d5e9a3c7b1f4), as create_all makes it
            names = set(conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_search_text_trgm%%'").scalars())
            assert names == {f"ix_search_text_trgm_{k}" for k in range(16)}
    engine.dispose()
    assert {"organisation", "user", "version", "version_chunk", "entry_chunk", "chunk_entry", "item_content", "revision", "draft_item",
            "opinion", "audit_event"} <= tables


def test_notification_done_at_is_backfilled_for_tasks_already_past(empty_url):
    """Upgrading to done_at marks done the notifications whose revision has left the state their task
    belonged to (待受理 of an accepted draft), and leaves the open ones (征求意见 while the county reviews)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_url, "TESTING": True, "SECRET_KEY": "x",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        w = World()
        rev = ops.start_revision(w.town, w.drafter)
        fire(rev, "submit", w.drafter)
        fire(rev, "accept", w.officer, departments=[w.civil.id], deadline=date.today() + timedelta(days=5))
        db.session.remove()
        downgrade(revision="b7c41e9d2a53")  # as before the column existed
        upgrade()

        def state():
            rows = db.session.execute(select(User.username, Notification.kind, Notification.done_at.is_not(None),
                                             Notification.read_at.is_not(None))
                                      .join(User, User.id == Notification.user_id).order_by(Notification.id)).all()
            return [tuple(r) for r in rows]
        assert state() == [("jimsar-office", "submitted", True, True), ("jimsar-civil", "opinion_requested", False, False)]
        assert db.session.execute(text("SELECT count(*) FROM notification")).scalar() == 2
        db.session.remove()
        db.engine.dispose()


def test_township_counts_are_counted_when_the_table_is_made(empty_url):
    """The migration that makes township_count fills it from what is there (two open townships under
    吉木萨尔县, one with a published list), the next one adds the prefecture's row; from then on the app
    keeps them. Both migrations count as the app counts (mismatches), and the downgrade leaves the
    counties' rows as the first migration made them."""
    from dutylist.services import township_counts

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_url, "TESTING": True, "SECRET_KEY": "x",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        w = World()
        county_id, prefecture_id = w.county.id, w.prefecture.id
        db.session.remove()
        downgrade(revision="f3a8c2d6e9b1")  # as before the table existed
        upgrade(revision="a4d9e1f7c3b2")

        def rows():
            found = db.session.execute(text("SELECT parent_id, townships, published FROM township_count")).all()
            db.session.commit()
            return sorted(tuple(r) for r in found)
        assert rows() == [(county_id, 2, 1)]
        db.session.remove()
        upgrade()
        assert rows() == sorted([(county_id, 2, 1), (prefecture_id, 2, 1)])
        assert township_counts.mismatches(db.session.connection()) == []
        db.session.remove()
        downgrade(revision="e7b3c9d1a5f2")
        assert rows() == [(county_id, 2, 1)]
        db.session.remove()
        upgrade()
        db.session.remove()
        db.engine.dispose()
