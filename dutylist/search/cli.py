"""flask --app wsgi search-reindex: rebuild the full-text index of item contents (and the current lists'
entries the search reads, snapshot.rebuild_current_entries).

Run it with the app stopped (or restart the workers after it): the workers cache search results
until a version is published, and a rebuild publishes nothing."""
from __future__ import annotations

import time

import click

from ..extensions import db
from ..services import snapshot
from . import backend, service


@click.command("search-reindex")
def reindex_command():
    """重建全文检索索引 / rebuild the full-text search index from all item contents."""
    started = time.perf_counter()
    count = backend.reindex()
    snapshot.rebuild_current_entries()  # the current lists' entries a search reads
    db.session.commit()
    service.forget_results()  # this process's; running workers keep theirs until the next publication
    click.echo(f"已索引 {count} 条事项内容（{db.engine.dialect.name}，{time.perf_counter() - started:.1f} 秒）")
