"""flask --app wsgi search-reindex: rebuild the full-text index of item contents."""
from __future__ import annotations

import time

import click

from ..extensions import db
from . import backend


@click.command("search-reindex")
def reindex_command():
    """重建全文检索索引 / rebuild the full-text search index from all item contents."""
    started = time.perf_counter()
    count = backend.reindex()
    db.session.commit()
    click.echo(f"已索引 {count} 条事项内容（{db.engine.dialect.name}，{time.perf_counter() - started:.1f} 秒）")
