"""Full-text search across published lists.

backend.py holds everything database-specific (SQLite FTS5 trigram / PostgreSQL pg_trgm) and the
`search_text` table; service.py the query with its filters. The page is dutylist.views.search.
"""
from .. import signals
from . import backend
from .cli import reindex_command


def index_contents(township, contents, **_):
    """New item contents are indexed once, in the transaction that stores them."""
    backend.add_contents(contents)


def init_app(app):
    """Register the `search-reindex` command; index new contents as they are stored."""
    app.cli.add_command(reindex_command)
    signals.contents_stored.connect(index_contents)
