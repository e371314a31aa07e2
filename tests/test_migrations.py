"""`flask db upgrade` builds the schema from nothing, and it matches the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.search.backend import alembic_include_name

from .conftest import _make_database


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
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_search_text_trgm'").scalar() == 1
    engine.dispose()
    assert {"organisation", "user", "version", "version_chunk", "entry_chunk", "chunk_entry", "item_content", "revision", "draft_item",
            "opinion", "audit_event"} <= tables
