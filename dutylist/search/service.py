"""Searching published lists: terms and filters in, hits linking to the item in its version out.

The text match itself is the backend's (SQLite FTS5 trigram / PostgreSQL pg_trgm); this module joins
the matching contents to the entries of the versions searched (the current ones by default, a given
version, or all versions) and applies the filters: table, category, department, organisation.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

from flask import current_app
from markupsafe import Markup
from sqlalchemy import bindparam, func, select

from .. import caching
from ..compare import matching
from ..escaping import esc
from ..extensions import db
from ..items import CONTENT_KEYS, FIELDS, KINDS, Shape, citation_lines, receiving_lines
from ..models import (
    ChunkEntry,
    ContentDepartment,
    CurrentEntry,
    ItemContent,
    Organisation,
    OrgKind,
    Version,
    VersionChunk,
)
from ..services import places, prepared, snapshot
from . import backend

PAGE_SIZE = 50
#: the most hits a search lists (and counts exactly); more, and the user is asked to narrow it
MAX_HITS = 1000
#: the most places the hits-per-place line names (else it groups by a coarser level)
MAX_FACETS = 40
MAX_TERMS = 6
MAX_TERM_LENGTH = 60
SNIPPET_RADIUS = 36

#: the fields a hit's snippet may come from (the name is shown anyway), from the item schema
SNIPPET_FIELDS = tuple(f for f in FIELDS if f.searchable and f.key != "name")


class SearchError(ValueError):
    """A parameter that cannot be searched with (shown to the user)."""


def terms_of(query: str) -> list[str]:
    """The distinct terms of a query: split on spaces (full-width too), in order."""
    query = unicodedata.normalize("NFKC", query or "")
    out = []
    for t in query.split():
        t = t.strip()[:MAX_TERM_LENGTH]
        if t and t.casefold() not in {o.casefold() for o in out}:
            out.append(t)
    return out[:MAX_TERMS]


@dataclass
class Query:
    q: str = ""
    kind: str | None = None
    category: str | None = None
    department: str | None = None  #: a department organisation id, or part of a department name
    organisation_id: int | None = None  #: a prefecture / county / township: all townships under it
    version_id: int | None = None
    all_versions: bool = False
    page: int = 1
    terms: list[str] = field(init=False)

    def __post_init__(self):
        self.terms = terms_of(self.q)
        if self.kind and self.kind not in KINDS:
            raise SearchError("清单参数无效")
        self.page = max(1, self.page)

    @property
    def empty(self) -> bool:
        """Nothing to search by (no terms and no filter)."""
        return not (self.terms or self.kind or self.category or self.department or self.organisation_id
                    or self.version_id)


class _Found(NamedTuple):
    township_id: int
    version_id: int
    item_id: int
    kind: str
    content_id: int
    number: int
    pos: int
    entry_pos: int


#: a hit's content: its JSON columns as text, decoded when a hit reads them (_Content)
_CONTENT_COLUMNS = (ItemContent.id, *snapshot.CONTENT_COLUMNS_AS_TEXT)
_CONTENT_CONVERTERS = (None, *(snapshot.decode_json if k in snapshot.JSON_KEYS else None for k in CONTENT_KEYS))
_VERSION_COLUMNS = (Version.id, Version.number, Version.township_id, Version.digest, Version.published_at)


_CONTENT_FIELDS = {k: i for i, k in enumerate(("id", *CONTENT_KEYS))}


class _Content:
    """The columns of an ItemContent a hit shows, named as the model names them; each converted (JSON
    decoded) when first read: a snippet reads the fields only up to the first that matches."""

    __slots__ = ("_row", "_converters", "_values")

    def __init__(self, row, converters):
        self._row, self._converters, self._values = row, converters, {}

    def __getattr__(self, key):
        values = self._values
        if key not in values:
            try:
                i = _CONTENT_FIELDS[key]
            except KeyError:
                raise AttributeError(key) from None
            convert = self._converters[i]
            values[key] = convert(self._row[i]) if convert else self._row[i]
        return values[key]


class _Version(NamedTuple):
    id: int
    number: int
    township_id: int
    digest: str
    published_at: object


class _Township(NamedTuple):
    id: int
    name: str


@dataclass
class Hit:
    township: Organisation  #: a row with id and name
    version: Version  #: a row with id, number, township_id, digest and published_at
    item_id: int
    kind: str
    number: int | None
    category: str
    name: Markup  #: escaped, matches in <mark>
    snippet: Markup | None  #: where the match is when it is not (only) in the name
    snippet_field: str | None

    @property
    def url(self) -> str:
        """The item in its version (lists.version; tests check the page's links against it)."""
        return f"/versions/{self.version.id}#item-{self.item_id}"

    @property
    def compare_url(self) -> str:
        """The same duty in other townships (compare.item)."""
        return f"/compare/item/{self.version.id}/{self.item_id}"


@dataclass
class Facet:
    """Where the hits are: one place (a township, county or prefecture) and how many hits it has."""

    organisation_id: int
    name: str
    hits: int


@dataclass
class Result:
    query: Query
    hits: list[Hit]
    total: int  #: hits found, at most MAX_HITS
    truncated: bool = False  #: more than MAX_HITS match: only the first MAX_HITS found are listed
    facets: list[Facet] = field(default_factory=list)  #: hits per place, at the finest level that fits
    facet_level: str = ""  #: 乡镇 | 县（市） | 州（地区、市）
    townships: int = 0  #: townships with a hit
    stopped: bool = False  #: the search ran past SEARCH_TIME_LIMIT and was stopped: nothing is listed

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def stopped_advice(self) -> str:
        """What to do about a search that was stopped (shown with it)."""
        if not backend.indexed(self.query.terms):
            return ("一两个字的词用不上索引，要逐条比对全部清单：请再加一个三个字以上的词，"
                    "或先选择地区（县或乡镇）缩小范围。")
        return "请按地区、清单、类别或部门缩小范围后再试。"


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class _Place(NamedTuple):
    """What places.townships_under reads of an organisation."""

    id: int
    kind: str


def _organisation(query: Query) -> _Place | None:
    """The place the search is limited to (None: everywhere)."""
    if query.organisation_id is None:
        return None
    row = places.lineage(query.organisation_id)  # the same read as the place filter's
    if row is None:
        raise SearchError("机构不存在")
    return _Place(row[0], row[1])


def _hits(query: Query, by_place: bool = False):
    """A SELECT of _Found's fields over the matching entries of the versions searched, its values as bind
    parameters named as _hit_params names them (one statement per shape: _hit_shape).

    The current lists (the usual search) are read from CurrentEntry, one row per entry with its township,
    version and place; a given version, or all versions, from the chunks of the versions. It starts from the
    backend's matches (when there are words) and joins entries to them, so that the database reads the
    matching contents first. `by_place`: the same rows, but read from the entries of the place's townships,
    each tested against the words (for a county or a township: a few thousand entries, where a common phrase
    matches in every township).
    """
    org = _organisation(query)
    params = _hit_params(query, org)

    def param(name):
        return bindparam(name, params[name])

    current = query.version_id is None and not query.all_versions
    if current:
        columns, entries, content_id, township_id, kind = (_CURRENT_FOUND, CurrentEntry, CurrentEntry.content_id,
                                                           CurrentEntry.township_id, CurrentEntry.kind)
    else:
        columns, entries, content_id, township_id, kind = (_FOUND_COLUMNS, ChunkEntry, ChunkEntry.content_id,
                                                           Version.township_id, ChunkEntry.kind)
    if query.terms and by_place:
        # a content is matched once (the index has one row per content): the same rows as the join
        stmt = select(*columns).select_from(entries).where(backend.contains_all(query.terms, content_id))
    elif query.terms:
        source, matched_id, conditions = backend.match_source(query.terms, named=True)
        stmt = select(*columns).select_from(source).join(entries, content_id == matched_id).where(*conditions)
    else:
        stmt = select(*columns).select_from(entries)
    if not current:
        stmt = (stmt.join(VersionChunk, VersionChunk.chunk_id == ChunkEntry.chunk_id)
                .join(Version, Version.id == VersionChunk.version_id))
        if query.version_id is not None:
            stmt = stmt.where(Version.id == param("version_id"))
    if org is not None:
        under = township_id.in_(places.townships_under(org, param("organisation_id")))
        if query.terms and not by_place and org.kind not in SMALL_PLACES:
            # a prefecture or larger: start from the matches (whose index is read part by part) and test each
            # entry's township, never from the place's entries (PostgreSQL took the place for ~40 townships
            # when a prefecture has 2,860 at 40,000 townships: 698,572 entries read, 665 ms). `IS TRUE` keeps
            # the IN a filter (one hash of the place's townships) rather than a join to start from
            under = under.is_(True)
        stmt = stmt.where(under)
    if query.kind:
        stmt = stmt.where(kind == param("kind"))
    if query.category:
        stmt = stmt.join(ItemContent, ItemContent.id == content_id).where(ItemContent.category == param("category"))
    if query.department:
        if query.department.strip().isdigit():
            cond = ContentDepartment.department_id == param("department_id")
        else:
            named = select(Organisation.id).where(Organisation.name.like(param("department"), escape="\\"))
            cond = (ContentDepartment.name.like(param("department"), escape="\\")
                    | ContentDepartment.department_id.in_(named))
        stmt = stmt.where(content_id.in_(select(ContentDepartment.content_id).where(cond)))
    return stmt


def _hit_shape(query: Query, org: _Place | None) -> tuple:
    """What changes the SQL of _hits (besides the dialect)."""
    dept = query.department.strip() if query.department else ""
    return (backend.match_shape(query.terms), bool(query.kind), bool(query.category),
            "id" if dept.isdigit() else bool(dept), org.kind if org is not None else None,
            "one" if query.version_id is not None else "all" if query.all_versions else "current")


def _hit_params(query: Query, org: _Place | None) -> dict:
    params = backend.match_params(query.terms) if query.terms else {}
    if query.version_id is not None:
        params["version_id"] = query.version_id
    if org is not None:
        params["organisation_id"] = org.id
    if query.kind:
        params["kind"] = query.kind
    if query.category:
        params["category"] = query.category
    if query.department:
        dept = query.department.strip()
        if dept.isdigit():
            params["department_id"] = int(dept)
        else:
            params["department"] = _like(dept)
    return params


def search(query: Query) -> Result:
    """One page of hits (in list order, township by township), how many there are, and where.

    The database is asked for at most MAX_HITS + 1 matching entries, in whatever order it finds
    them (no ORDER BY: sorting would make it read every match first, 56,000 entries for a common
    phrase at 40,000 townships). Up to MAX_HITS the answer is exact: all hits, sorted, counted and
    grouped by place. Above, the page says so and lists the first MAX_HITS found, and the user
    narrows the search by place, table, category or department.
    """
    if query.empty:
        return Result(query, [], 0)
    try:
        if caching.enabled():
            key = (caching.published_token(), tuple(t.casefold() for t in query.terms), query.kind, query.category,
                   query.department, query.organisation_id, query.version_id, query.all_versions, MAX_HITS, MAX_FACETS)
            found = _FOUND.get_or_make(key, lambda: _find(query))
        else:
            found = _find(query)
    except backend.TooSlow:  # not kept: the same search may finish when the database is less busy
        return Result(query, [], 0, stopped=True)
    every, truncated, facets, level, townships = found
    if not every:
        return Result(query, [], 0)
    rows = [_Found._make(r) for r in every[(query.page - 1) * PAGE_SIZE:query.page * PAGE_SIZE]]
    # plain rows, not entities, each lookup compiled once (ORM loading and statement building cost
    # more than the search itself): the page's contents, then its versions with their townships' names
    content_ids = sorted({r.content_id for r in rows})
    found = prepared.fetch(("search.contents",), lambda: select(*_CONTENT_COLUMNS).where(
        ItemContent.id.in_(bindparam("ids", expanding=True))), {"ids": content_ids}, convert=False)
    contents = {c[0]: _Content(c, _CONTENT_CONVERTERS) for c in found}
    version_ids = sorted({r.version_id for r in rows})
    by_id, on_page = {}, {}
    for vid, number, township_id, digest, published_at, township in prepared.fetch(
            ("search.versions",),
            lambda: select(*_VERSION_COLUMNS, Organisation.name).join(Organisation, Organisation.id == Version.township_id)
            .where(Version.id.in_(bindparam("ids", expanding=True))),
            {"ids": version_ids}):
        by_id[vid] = _Version(vid, number, township_id, digest, published_at)
        on_page[township_id] = _Township(township_id, township)
    numbers = printed_numbers(rows, by_id)
    pattern = _pattern(query.terms)
    hits = []
    for r in rows:
        version, content = by_id[r.version_id], contents[r.content_id]
        name, snippet, where = highlight(content, query.terms, pattern)
        hits.append(Hit(on_page[version.township_id], version, r.item_id, r.kind, numbers.get((r.version_id, r.item_id)),
                        content.category, name, snippet, where))
    return Result(query, hits, len(every), truncated, facets, level, townships)


#: the sorted matches of recent searches (not their pages), per worker: the next page of a search, or
#: the same search again, reads only its 50 hits. Keyed by caching.published_token(): what a search
#: finds changes only when a version is published.
_FOUND = caching.LRU(64)  #: up to 1,000 small tuples each: ~150 KB


def forget_results() -> None:
    """Drop this process's cached search results (after the index was rebuilt)."""
    _FOUND.clear()


def _find(query: Query) -> tuple[list, bool, list, str, int]:
    """(the matching entries sorted in list order, at most MAX_HITS, as tuples of _Found's fields;
    whether there were more; the facets and their level; how many townships)."""
    org = _organisation(query)
    shape, params = _hit_shape(query, org), _hit_params(query, org)
    found = None
    generic = not (query.category or query.department)
    matches_first = org is not None and org.kind not in SMALL_PLACES  # a prefecture's townships: a filter
    with backend.planned_for(query.terms, generic=generic, matches_first=matches_first,
                             limit=current_app.config.get("SEARCH_TIME_LIMIT")):
        if query.terms and org is not None and org.kind in SMALL_PLACES:
            found = prepared.fetch(("search.find", shape, MAX_HITS, "by place"),
                                   lambda: _hits(query, by_place=True).limit(MAX_HITS + 1), params)
            if len(found) > MAX_HITS:
                # which MAX_HITS are listed depends on the order the rows are found in: the usual statement's
                found = None
        if found is None:
            found = prepared.fetch(("search.find", shape, MAX_HITS),
                                   lambda: _hits(query).limit(MAX_HITS + 1), params)
    truncated = len(found) > MAX_HITS
    # plain tuples (_Found's order), sorted in list order: township, latest version first, chunk, entry (stable
    # sorts from the last key to the first, each keyed by C: the order of one sort by (township, -number, pos,
    # entry pos), without a Python call per row)
    every = sorted(found[:MAX_HITS], key=itemgetter(6, 7))
    every.sort(key=itemgetter(5), reverse=True)
    every.sort(key=itemgetter(0))
    counts = Counter(map(itemgetter(0), every))
    facets, level = ([], "") if truncated or not every else _facets(counts)
    return every, truncated, facets, level, len(counts)


#: places whose entries a search reads first and tests (backend.contains_all; a county: ~10 townships)
SMALL_PLACES = (OrgKind.county, OrgKind.township)

#: _Found's fields, in its order: from the chunks of the versions searched, or from CurrentEntry
_FOUND_COLUMNS = (Version.township_id, VersionChunk.version_id, ChunkEntry.item_id, ChunkEntry.kind,
                  ChunkEntry.content_id, Version.number, VersionChunk.pos, ChunkEntry.pos.label("entry_pos"))
_CURRENT_FOUND = (CurrentEntry.township_id, CurrentEntry.version_id, CurrentEntry.item_id, CurrentEntry.kind,
                  CurrentEntry.content_id, CurrentEntry.number, CurrentEntry.chunk_pos, CurrentEntry.entry_pos)


#: (label, how many places may be listed at this level)
FACET_LEVELS = ("乡镇", "县（市）", "州（地区、市）")


def _facets(counts: Counter) -> tuple[list[Facet], str]:
    """The hits per township; if that is more than MAX_FACETS places, per county; then per prefecture."""
    t, c, p = places.TOWN, places.COUNTY, places.PREF
    rows = prepared.fetch(
        ("search.facets",),
        lambda: select(t.id, t.name, c.id, c.name, p.id, p.name)
        .join(c, c.id == t.parent_id, isouter=True).join(p, p.id == c.parent_id, isouter=True)
        .where(t.id.in_(bindparam("ids", expanding=True))), {"ids": list(counts)})
    for depth, label in enumerate(FACET_LEVELS):
        grouped: dict[tuple[int, str], int] = {}
        for row in rows:
            oid, name = row[2 * depth], row[2 * depth + 1]
            if oid is None:  # a township outside the usual tree: keep it at the level it has
                oid, name = row[0], row[1]
            grouped[(oid, name)] = grouped.get((oid, name), 0) + counts[row[0]]
        if len(grouped) <= MAX_FACETS or depth == len(FACET_LEVELS) - 1:
            return [Facet(oid, name, n) for (oid, name), n in sorted(grouped.items())], label
    raise AssertionError("unreachable")


_numbers_cache = matching.LRU(2048)


def printed_numbers(rows, versions: dict[int, Version]) -> dict[tuple[int, int], int]:
    """{(version id, item id): 序号} for the hits of a page.

    The same rule as snapshot.read_entries (the stored number, else the place in its table; tests
    check the two agree), computed in one light query over the positions of the versions not yet
    cached, rather than reading whole versions; versions are immutable, so the maps are cached.
    """
    # keyed like the comparison's caches: ids are reused when rows are deleted (tests, restores)
    keys = {vid: matching.version_key(versions[vid]) for vid in {r.version_id for r in rows}}
    maps = {vid: _numbers_cache.get(key) for vid, key in keys.items()}
    missing = [vid for vid, m in maps.items() if m is None]
    if missing:
        natural = func.row_number().over(partition_by=(VersionChunk.version_id, ChunkEntry.kind),
                                         order_by=(VersionChunk.pos, ChunkEntry.pos))
        found = db.session.execute(
            select(VersionChunk.version_id, ChunkEntry.item_id, func.coalesce(ChunkEntry.number, natural))
            .join(ChunkEntry, ChunkEntry.chunk_id == VersionChunk.chunk_id)
            .where(VersionChunk.version_id.in_(missing))).all()
        for vid in missing:
            maps[vid] = {}
        for vid, item_id, number in found:
            maps[vid][item_id] = number
        for vid in missing:
            _numbers_cache.put(keys[vid], maps[vid])
    return {(r.version_id, r.item_id): maps[r.version_id].get(r.item_id) for r in rows}


# ---------------------------------------------------------------- snippets ----
_patterns: dict = {}


def _pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    key = tuple(terms)
    pattern = _patterns.get(key)
    if pattern is None:
        if len(_patterns) > 256:
            _patterns.clear()
        pattern = _patterns[key] = re.compile(
            "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    return pattern


def mark(text: str, pattern: re.Pattern | None) -> Markup:
    """The text, escaped, with every match of the pattern in <mark>."""
    if pattern is None:
        return Markup(esc(text))
    out, last = [], 0
    for m in pattern.finditer(text):
        out += (esc(text[last:m.start()]), "<mark>", esc(m.group()), "</mark>")
        last = m.end()
    out.append(esc(text[last:]))
    return Markup("".join(out))


def _snippet_text(f, content) -> str:
    """One field as one line of text, for a snippet."""
    value = getattr(content, f.key)
    if f.shape == Shape.department_rows:
        return "；".join(receiving_lines(value))
    if f.shape == Shape.citations:
        return "；".join(citation_lines(value))
    if f.shape == Shape.departments:
        return value or "、".join(getattr(content, f.keys[1]) or [])
    return " ".join(value) if isinstance(value, list) else (value or "")


def highlight(content: ItemContent, terms: list[str], pattern: re.Pattern | None = None
              ) -> tuple[Markup, Markup | None, str | None]:
    """(name with matches marked, snippet of the first other field with a match not in the name, its label).
    `pattern`: _pattern(terms), when the caller has it."""
    pattern = pattern or _pattern(terms)
    name = mark(content.name, pattern)
    if pattern is None:
        return name, None, None
    in_name = {t.casefold() for t in terms if t.casefold() in content.name.casefold()}
    if len(in_name) == len(terms):
        return name, None, None
    missing = _pattern([t for t in terms if t.casefold() not in in_name])
    for f in SNIPPET_FIELDS:
        text = _snippet_text(f, content)
        m = missing.search(text) if text else None
        if m is None:
            continue
        start = max(0, m.start() - SNIPPET_RADIUS)
        end = min(len(text), m.end() + SNIPPET_RADIUS)
        window = text[start:end]
        snippet = (Markup("…") if start else Markup()) + mark(window, pattern) + (Markup("…") if end < len(text) else Markup())
        return name, snippet, f.label
    return name, None, None
