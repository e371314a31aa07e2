"""`flask db upgrade` builds the schema from nothing, and it matches the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from dutylist import create_app
from dutylist.extensions import db

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
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        tables = set(inspect(engine).get_table_names())
        db.session.remove()
        engine.dispose()
    assert diff == []
    assert {"organisation", "user", "version", "version_chunk", "entry_chunk", "chunk_entry", "item_content", "revision", "draft_item",
            "opinion", "audit_event"} <= tables
