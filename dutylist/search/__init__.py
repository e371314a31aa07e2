"""Full-text search across published lists (issue: oversight).

backend.py holds everything database-specific (SQLite FTS5 trigram / PostgreSQL pg_trgm) and the
`search_text` table; service.py the query with its filters; views.py the page.
"""
from .. import signals
from . import backend  # registers the search_text table with the metadata


def init_app(app):
    """Register the search blueprint and the `search-reindex` command."""
    from .cli import reindex_command
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(reindex_command)
    signals.contents_stored.connect(index_contents)


def index_contents(township, contents, **_):
    """New item contents are indexed once, in the transaction that stores them."""
    backend.add_contents(contents)
