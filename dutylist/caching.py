"""Per-worker caches: one small thread-safe LRU, and the token that says the database has changed.

Published versions are immutable, so what is derived from one (its rendered tables, a diff, its
entries for comparison) is cached under its id, digest and publication time. Query results are
cached under a token of the state they derive from, read in one cheap query per request:

- `state_token()` for the review state (the dashboard): every change of a revision, a consultation
  or a version writes an audit event in its transaction, and every audit event moves the audit
  chain's head, so a cached value is served only while the head is where it was;
- `published_token()` for what only publishing changes (search, the home page's places): the last
  version, the last organisation and the last change of one.

Each key also carries the database URL, so a worker never mixes two databases. QUERY_CACHE = False
(environment QUERY_CACHE=0) turns the query caches off.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from flask import current_app
from sqlalchemy import func, select

from .extensions import db
from .models import AuditHead, Organisation, Version


class LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key, value, size: int | None = None):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > (self.size if size is None else size):
                self._data.popitem(last=False)
        return value

    def get_or_make(self, key, make, size: int | None = None):
        """The cached value, else make() cached (outside the lock: a concurrent miss makes it twice, harmlessly)."""
        value = self.get(key)
        return value if value is not None else self.put(key, make(), size)

    def clear(self):
        with self._lock:
            self._data.clear()

    def __len__(self):
        return len(self._data)


#: engine -> its URL as text (see database_key)
_DATABASE_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def database_key() -> str:
    """The database as every cache key names it (its URL, the password hidden): a value kept for one database
    is never served from another (tests; a database restored under the running app). Rendered once per
    engine: a URL costs ~5 µs to render, and a search page asked for it once per hit."""
    engine = db.engine
    key = _DATABASE_KEYS.get(engine)
    if key is None:
        key = _DATABASE_KEYS[engine] = str(engine.url)
    return key


def enabled() -> bool:
    """Whether query results are cached (QUERY_CACHE, default on)."""
    return bool(current_app.config.get("QUERY_CACHE", True))


def state_token() -> tuple:
    """(database URL, audit head seq, audit head hash): changes with every audited change (one PK read)."""
    head = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return (database_key(), *(head or (0, "")))


_LAST_VERSION = select(func.max(Version.id)).scalar_subquery()
_PUBLISHED = select(_LAST_VERSION, select(Version.digest).where(Version.id == _LAST_VERSION).scalar_subquery(),
                    select(func.max(Organisation.id)).scalar_subquery(),
                    select(func.max(Organisation.updated_at)).scalar_subquery())


def published_token() -> tuple:
    """(database URL, last version's id and digest, last organisation's id, last organisation change):
    moves when a version is published or an organisation added, renamed, moved, closed or reopened
    (versions are never changed or deleted)."""
    return (database_key(), *db.session.execute(_PUBLISHED).one())
