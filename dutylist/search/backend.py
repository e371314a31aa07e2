"""The database-specific half of full-text search: one index row per ItemContent.

Chinese is searched by substring, with no word segmentation:

- SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34) over `search_text`
  (external content, kept in sync by triggers); terms of 1-2 characters, which trigrams
  cannot answer, fall back to LIKE on `search_text`.
- PostgreSQL: pg_trgm and a GIN trigram index on `search_text.text`; `ILIKE '%term%'` uses it
  (a search of terms of 1-2 characters only falls back to scanning, still correct; a shorter term beside a
  longer one is tested on what the index finds). A search's statements are stopped after SEARCH_TIME_LIMIT
  seconds on both databases (planned_for).

Contents are immutable, so a content is indexed once, when the version that brings it is
published (add_contents receives signals.contents_stored, which snapshot.publish_version sends). `flask search-reindex` rebuilds it all.
`create_structures(connection)` holds the DDL that is not a plain table (run by create_all through
an after_create event; a migration must run the same DDL, see DDL_SQLITE / DDL_POSTGRESQL).
"""
from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import contextmanager

from sqlalchemy import (
    ForeignKey,
    Text,
    bindparam,
    column,
    delete,
    event,
    exists,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from ..extensions import db
from ..items import CONTENT_KEYS, FIELDS, Shape, citation_lines
from ..models import ItemContent

log = logging.getLogger(__name__)

#: shortest term the trigram indexes can answer by themselves
TRIGRAM = 3
BATCH = 500


class SearchText(db.Model):
    """The searchable text of one item content: its searchable fields."""

    __tablename__ = "search_text"

    content_id: Mapped[int] = mapped_column(ForeignKey("item_content.id"), primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)


DDL_SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_text_fts USING fts5("
    "text, content='search_text', content_rowid='content_id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS search_text_ai AFTER INSERT ON search_text BEGIN "
    "INSERT INTO search_text_fts(rowid, text) VALUES (new.content_id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_text_ad AFTER DELETE ON search_text BEGIN "
    "INSERT INTO search_text_fts(search_text_fts, rowid, text) VALUES ('delete', old.content_id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_text_au AFTER UPDATE ON search_text BEGIN "
    "INSERT INTO search_text_fts(search_text_fts, rowid, text) VALUES ('delete', old.content_id, old.text); "
    "INSERT INTO search_text_fts(rowid, text) VALUES (new.content_id, new.text); END",
)
DROP_SQLITE = (
    "DROP TRIGGER IF EXISTS search_text_ai", "DROP TRIGGER IF EXISTS search_text_ad",
    "DROP TRIGGER IF EXISTS search_text_au", "DROP TABLE IF EXISTS search_text_fts",
)
#: PostgreSQL: the trigram index in BUCKETS parts, each over the contents whose id % BUCKETS is its number
#: (partial indexes of the one table). A search that starts from the matches reads the parts in turn and
#: stops at MAX_HITS + 1 rows, where one index would build the bitmap of every candidate first: a common
#: phrase at 40,000 townships has 56,084, ~21 ms before the first row (match_source).
BUCKETS = 16
TRIGRAM_INDEX = "ix_search_text_trgm"
DDL_POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX}_{k} ON search_text USING gin (text gin_trgm_ops) "
      f"WHERE content_id % {BUCKETS} = {k}" for k in range(BUCKETS)),
)
DROP_POSTGRESQL = (*(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}_{k}" for k in range(BUCKETS)),
                   f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def create_structures(connection) -> None:
    """The trigram index of the dialect (idempotent). Run after the search_text table exists."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34, 0):
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} has no trigram tokenizer (needs 3.34+)")
        for stmt in DDL_SQLITE:
            connection.exec_driver_sql(stmt)
    elif dialect == "postgresql":
        try:
            with connection.begin_nested():  # without the extension, ILIKE still works (unindexed)
                for stmt in DDL_POSTGRESQL:
                    connection.execute(text(stmt))  # text(): the driver's % placeholders escaped
        except Exception as exc:  # noqa: BLE001 - e.g. not allowed to create the extension
            log.warning("search: pg_trgm index not created (%s); searches will scan", exc)


def alembic_include_name(name, type_, parent_names) -> bool:
    """For Alembic's `include_name` (env.py, and compare_metadata in the migration test): the FTS5
    table, its shadow tables and the trigram indexes are made by raw DDL, not by the models."""
    if type_ == "table" and name and name.startswith("search_text_fts"):
        return False
    if type_ == "index" and name and name.startswith(TRIGRAM_INDEX):
        return False
    return True


def drop_structures(connection) -> None:
    dialect = connection.dialect.name
    for stmt in {"sqlite": DROP_SQLITE, "postgresql": DROP_POSTGRESQL}.get(dialect, ()):
        connection.exec_driver_sql(stmt)


event.listen(SearchText.__table__, "after_create", lambda target, connection, **kw: create_structures(connection))
event.listen(SearchText.__table__, "before_drop", lambda target, connection, **kw: drop_structures(connection))


# ---------------------------------------------------------------- indexing ----
def searchable_text(fields: dict) -> str:
    """What a content is found by: its searchable fields (item schema), each line or name on its own."""
    parts = []
    for f in FIELDS:
        if not f.searchable:
            continue
        if f.shape == Shape.department_rows:
            parts += [f"{r.get('department') or ''} {r.get('method') or ''}".strip() for r in fields.get(f.key) or []]
            continue
        if f.shape == Shape.citations:
            parts += citation_lines(fields.get(f.key))
            continue
        for key in f.keys:
            value = fields.get(key)
            parts += list(value or []) if isinstance(value, list) else [value or ""]
    return "\n".join(p for p in parts if p)


def add_contents(contents) -> int:
    """Index the given (flushed) contents that are not indexed yet; returns how many were added."""
    contents = [c for c in contents if c.id is not None]
    added = 0
    for start in range(0, len(contents), BATCH):
        batch = contents[start:start + BATCH]
        known = set(db.session.scalars(select(SearchText.content_id).where(
            SearchText.content_id.in_([c.id for c in batch]))))
        rows = [{"content_id": c.id, "text": searchable_text(c.fields())} for c in batch if c.id not in known]
        if rows:
            db.session.execute(insert(SearchText), rows)
            added += len(rows)
    return added


def reindex() -> int:
    """Rebuild the whole index from item_content (creating the structures if missing); returns the count."""
    bind = db.session.connection()
    SearchText.__table__.create(bind, checkfirst=True)  # an old schema: fires create_structures
    create_structures(bind)
    db.session.execute(delete(SearchText))
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("INSERT INTO search_text_fts(search_text_fts) VALUES ('delete-all')")
    columns = [ItemContent.id] + [getattr(ItemContent, f) for f in CONTENT_KEYS]
    count, last = 0, 0
    while True:
        batch = db.session.execute(select(*columns).where(ItemContent.id > last)
                                   .order_by(ItemContent.id).limit(BATCH)).all()
        if not batch:
            break
        db.session.execute(insert(SearchText), [
            {"content_id": row[0], "text": searchable_text(dict(zip(CONTENT_KEYS, row[1:])))} for row in batch])
        count += len(batch)
        last = batch[-1][0]
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("INSERT INTO search_text_fts(search_text_fts) VALUES ('optimize')")
    return count


# ---------------------------------------------------------------- matching ----
def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


#: the FTS5 table as a lightweight table (not in the metadata: create_structures makes it)
_fts = table("search_text_fts", column("rowid"), column("text"))


def match_source(terms: list[str], named: bool = False):
    """(from clause, its content id column, conditions) selecting the contents containing every term.

    The caller joins its entries to the content id column, so the database can start from the
    matches (a handful of index hits) rather than from every entry of every version.
    Matching is case-insensitive; terms are plain text (no operators, % and _ are literal).
    `named`: the terms as bind parameters named as match_params() names them (a statement compiled
    once for every search of the same shape, match_shape()).

    PostgreSQL, when a term has 3 characters or more: the matches of each part of the trigram index in turn
    (UNION ALL: the database runs a part only when the rows before it were not enough), so a search cut at
    MAX_HITS + 1 reads one part's candidates, not all of them; a shorter term beside it is tested on those
    candidates. Only terms of 1-2 characters: a scan of every row (no index answers them).
    """
    values = match_params(terms)
    param = (lambda name: bindparam(name, values[name])) if named else values.__getitem__
    if _dialect() == "sqlite":
        long = [t for t in terms if len(t) >= TRIGRAM]
        short = [SearchText.text.like(param(f"term_{i}"), escape="\\")
                 for i, t in enumerate(terms) if len(t) < TRIGRAM]
        if long:
            # LIKE on the trigram column itself finds nothing below 3 characters: short terms test search_text
            match = literal_column("search_text_fts").op("MATCH")(param("phrase"))
            source = _fts.join(SearchText, SearchText.content_id == _fts.c.rowid) if short else _fts
            return source, _fts.c.rowid, [match, *short]
        return SearchText.__table__, SearchText.content_id, short
    conditions = [_pg_contains(t, param(f"term_{i}")) for i, t in enumerate(terms)]
    if not indexed(terms):
        return SearchText.__table__, SearchText.content_id, conditions  # a scan, which stops by itself
    # each part's condition as literal SQL, so that even a generic plan knows which partial index answers it;
    # the terms of 1-2 characters are tested on the candidates the longer ones find in the part
    bucket = SearchText.content_id.op("%")(literal_column(str(BUCKETS)))
    parts = union_all(*(select(SearchText.content_id).where(bucket == literal_column(str(k)), *conditions)
                        for k in range(BUCKETS))).subquery("matched")
    return parts, parts.c.content_id, []


def contains_all(terms: list[str], content_id):
    """A condition on a column of content ids: the content contains every term (bind parameters named as
    match_params() names them). For a statement that starts from a few thousand entries (a county's, a
    township's) and tests each, rather than from the matches: on SQLite a phrase found in every township
    meant reading ~1,400 entries for 19 hits (4.5 against 1.4 ms at 1,000 townships); on PostgreSQL the
    matches-first statement would read the parts of the trigram index for every township."""
    if _dialect() == "sqlite":
        source, matched_id, conditions = match_source(terms, named=True)
        # SQLite: the matches as a list to test the entries against (its planner starts from the matches
        # of a join whatever their number); the unary + keeps it from starting from this IN
        return not_indexed(content_id).in_(select(matched_id).select_from(source).where(*conditions))
    # PostgreSQL: each entry's content read by its key and tested (no index answers these conditions alone)
    values = match_params(terms)
    return exists().where(SearchText.content_id == content_id,
                          *(_pg_contains(t, bindparam(f"term_{i}", values[f"term_{i}"])) for i, t in enumerate(terms)))


def indexed(terms: list[str]) -> bool:
    """Whether an index answers the search: one of its terms has 3 characters or more (trigrams); the shorter
    ones are tested on what it finds."""
    return any(len(t) >= TRIGRAM for t in terms)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def match_params(terms: list[str]) -> dict:
    """The values of the terms, as match_source(named=True) names them."""
    if _dialect() == "sqlite":
        long = [t for t in terms if len(t) >= TRIGRAM]
        values = {f"term_{i}": _like_pattern(t) for i, t in enumerate(terms) if len(t) < TRIGRAM}
        if long:
            values["phrase"] = " ".join(_fts_phrase(t) for t in long)
        return values
    return {f"term_{i}": _like_pattern(t) if _pg_mode(t) != "strpos" else t for i, t in enumerate(terms)}


def match_shape(terms: list[str]) -> tuple:
    """What of the terms changes the SQL of match_source(named=True) (with the dialect). PostgreSQL: each term's
    mode, and whether it is long enough for the trigram index (ILIKE is both a short and a long term's mode, and
    only a statement of long terms reads the index's parts: a short term's scan, reused for a long one, read
    every row)."""
    if _dialect() == "sqlite":
        return tuple(len(t) >= TRIGRAM for t in terms)
    return tuple((_pg_mode(t), len(t) >= TRIGRAM) for t in terms)


def not_indexed(column):
    """The column as an expression no index answers (SQLite's unary +): the planner will not start from it."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


class TooSlow(Exception):
    """A search's statement ran past its time limit and was stopped (the session's transaction rolled back)."""


#: SQLite's progress handler runs every this many virtual machine instructions (a scan of 244,000 rows is
#: ~50 M: a few hundred calls of a Python function, too few to measure)
_PROGRESS_STEP = 100_000


@contextmanager
def planned_for(terms: list[str], generic: bool = False, matches_first: bool = False, limit: float | None = None):
    """Around a search's statements: the settings they run under, and how long they may run.

    `limit` (seconds; None or 0: none): a statement still running after it is stopped and TooSlow raised, the
    session's transaction rolled back. Terms of 1-2 characters only are a scan of every row (no index answers
    them): at 40,000 townships a rare one took ~30 s, past the server's own timeout, and anyone could keep every
    worker busy with them. PostgreSQL: statement_timeout for the transaction; SQLite: a progress handler.

    On PostgreSQL, when the trigram index answers the search, no parallel
    workers for the rest of the transaction. The index finds the candidates in a few milliseconds and the
    search stops at MAX_HITS + 1, so starting workers costs more than they save (35 against 47 ms at 40,000
    townships, alone; and under load they take the cores other requests need). Terms of 1-2 characters only
    mean a scan of every row, which parallel workers do shorten.

    `generic`: the statements inside are planned once per connection and their plan reused (a generic
    plan) — for a search whose good plan does not depend on how common its words are. Planning the search's
    join took ~2.5 ms (EXPLAIN, 40,000 townships) on every search. Not with a category or department filter,
    where the words decide which side to start from.

    `matches_first`: nested loops only, so the statement runs from the matches, part by part, and stops at
    MAX_HITS + 1 (a prefecture: PostgreSQL guessed that half of every entry is in it and merged the place's
    entries with all 56,084 matches: 540 ms, where the loop from the matches takes ~130 ms, reading ~13,700
    matches of the first parts for 1,001 hits in 7 % of the townships).

    Always with an index: no JIT compilation, which a plan's estimated cost can trigger (~27 ms for a
    prefecture's search).

    These settings are put back after the block, so the page's other statements are planned as usual (the
    place filter's read, planned generically, took 55 ms)."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    scoped, rest = {}, {}  # settings put back after the block; settings for the rest of the transaction
    if postgresql and terms and indexed(terms):
        scoped["jit"] = "off"  # compiling a plan's expressions took ~27 ms, the search itself a few
        rest["max_parallel_workers_per_gather"] = "0"
        if generic:
            scoped["plan_cache_mode"] = "force_generic_plan"
        if matches_first:
            scoped.update(enable_hashjoin="off", enable_mergejoin="off")
    if postgresql and limit:
        scoped["statement_timeout"] = str(max(1, round(limit * 1000)))  # milliseconds
    driver = None
    if not postgresql and limit:
        driver = db.session.connection().connection.driver_connection
        deadline = time.monotonic() + limit
        driver.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEP)
    before, names = None, list(scoped)
    if scoped or rest:
        # setting names and values are this function's own literals; one round trip reads and sets them all
        before = db.session.execute(text("SELECT " + ", ".join(
            [f"current_setting('{n}')" for n in names]
            + [f"set_config('{n}', '{v}', true)" for n, v in (*rest.items(), *scoped.items())]))).first()
    try:
        yield
    except OperationalError as error:
        if not _stopped(error):
            raise
        db.session.rollback()  # PostgreSQL: the transaction is aborted; either way what it set goes with it
        before = None
        raise TooSlow() from error
    finally:
        if driver is not None:
            driver.set_progress_handler(None, 0)
        if before is not None and names:
            db.session.execute(text("SELECT " + ", ".join(f"set_config('{n}', :v{i}, true)" for i, n in enumerate(names))),
                               {f"v{i}": before[i] for i in range(len(names))})


def _stopped(error: OperationalError) -> bool:
    """Whether the statement was stopped by planned_for's limit: PostgreSQL's query_canceled (57014, which a
    statement_timeout raises), SQLite's "interrupted" (the progress handler)."""
    orig = error.orig
    if isinstance(orig, sqlite3.OperationalError):
        return "interrupted" in str(orig)
    return getattr(orig, "sqlstate", None) == "57014"


def _pg_mode(term: str) -> str:
    """How PostgreSQL tests one term. From 3 characters the trigram index answers LIKE and ILIKE: ILIKE
    when case matters, LIKE when it cannot (Chinese: the same rows, without lower-casing every text
    it tests — a search in a county at 40,000 townships 10.8 against 4.9 ms, everywhere 34 against 28).
    Below 3 characters the table is scanned anyway, and strpos is several times faster than ILIKE when
    case cannot matter."""
    caseless = term.lower() == term.upper()
    if len(term) < TRIGRAM:
        return "strpos" if caseless else "ilike"
    return "like" if caseless else "ilike"


def _pg_contains(term: str, value):
    """The condition for one term; `value`: its pattern (LIKE, ILIKE) or the term itself (strpos), or a bind parameter."""
    mode = _pg_mode(term)
    if mode == "strpos":
        return func.strpos(SearchText.text, value) > 0
    if mode == "like":
        return SearchText.text.like(value, escape="\\")
    return SearchText.text.ilike(value, escape="\\")


def index_size() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchText)) or 0


def unindexed_contents() -> int:
    """Contents with no index row (e.g. written by a bulk load that bypassed publish_version)."""
    return db.session.scalar(select(func.count()).select_from(ItemContent).where(
        ~ItemContent.id.in_(select(SearchText.content_id)))) or 0


__all__ = ["SearchText", "create_structures", "drop_structures", "alembic_include_name", "searchable_text", "add_contents", "reindex",
           "match_source", "indexed", "contains_all", "match_params", "match_shape", "not_indexed", "planned_for", "TooSlow", "index_size", "unindexed_contents"]
