"""Matching the same duty across townships' lists by similarity of normalised names.

Most items come from a common regional template with local wording ("负责本镇…" / "做好本乡…工作"),
so names are normalised (NFKC, no punctuation or spaces, 本镇/本乡/本街道 -> 本乡镇, place names
removed, a few filler words dropped) and compared with rapidfuzz's `fuzz.ratio`; two items are the
same duty when the score reaches THRESHOLD.

Townships are matched into clusters, one item per township at most: the lists are taken in turn;
each item first takes a cluster with exactly its normalised name, then the remaining items and
clusters are paired greedily by best score (ties: same table first, then list order). For two
townships that is the best-first one-to-one matching of the pair.

Versions are immutable, so their entries and the clusters of a set of versions are cached in small
in-process LRUs keyed by (database, version id, digest, publication time).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from ..caching import LRU, database_key
from ..extensions import db
from ..models import Organisation, OrgKind, Version
from ..services import places, snapshot

#: the score (0-100, fuzz.ratio on normalised names) from which two items are the same duty
THRESHOLD = 80

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_OWN_PLACE = re.compile(r"本(?:乡镇|镇|乡|街道)")
_FILLERS = re.compile(r"负责|做好|开展|落实|相关|工作")


def normalise(text: str, places: tuple[str, ...] = ()) -> str:
    """The comparable form of an item name."""
    s = unicodedata.normalize("NFKC", text or "").lower()
    for place in places:
        if place:
            s = s.replace(place, "")
    s = _PUNCT.sub("", s)
    s = _OWN_PLACE.sub("本乡镇", s)
    stripped = _FILLERS.sub("", s)
    return stripped or s


def place_names(township: Organisation) -> tuple[str, ...]:
    """The township's own names and those of its county and prefecture, longest first."""
    names = set()
    org = township
    while org is not None and org.kind != OrgKind.region:
        names.update(n for n in (org.name, org.short_name) if n)
        if org.kind == OrgKind.county and org.name.endswith("自治县"):
            # 木垒哈萨克自治县 is written 木垒县 too
            stem = re.sub(r"(哈萨克|蒙古|回族|锡伯|柯尔克孜|塔吉克|维吾尔)?自治县$", "", org.name)
            names.update((stem + "县", stem))
        org = org.parent
    names = {unicodedata.normalize("NFKC", n).lower() for n in names if len(n) >= 2}
    return tuple(sorted(names, key=len, reverse=True))


# ------------------------------------------------------------------- caches ----


_entries_cache = LRU(1024)  #: about 80 KB a version of ~250 items
_clusters_cache = LRU(32)


def version_key(version: Version) -> tuple:
    """Identifies a version's content across databases and reused ids."""
    return (database_key(), version.id, version.digest, version.published_at.isoformat())


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a version, as the comparison needs it."""

    township_id: int
    version_id: int
    item_id: int
    kind: str
    number: int
    category: str
    name: str
    key: str  #: the normalised name


def entries_of(version: Version) -> tuple[Entry, ...]:
    """The version's items (cached: versions never change)."""
    key = version_key(version)
    cached = _entries_cache.get(key)
    if cached is not None:
        return cached
    places = place_names(version.township)
    out = tuple(Entry(version.township_id, version.id, e["item_id"], e["kind"], e["number"], e["category"],
                      e["name"], normalise(e["name"], places))
                for e in snapshot.read_entries(version))
    return _entries_cache.put(key, out)


_OLDER = aliased(Version, name="older")


def current_versions(township_ids=None) -> list[Version]:
    """The current version of each township (of the given ones: ids, or a SELECT of ids), by township id."""
    latest = select(func.max(_OLDER.number)).where(_OLDER.township_id == Version.township_id).scalar_subquery()
    stmt = select(Version).where(Version.number == latest).order_by(Version.township_id)
    if township_ids is not None:
        ids = township_ids if isinstance(township_ids, Select) else list(township_ids)
        stmt = stmt.where(Version.township_id.in_(ids))
    return list(db.session.scalars(stmt))


# ----------------------------------------------------------------- clusters ----
@dataclass
class Member:
    entry: Entry
    score: float  #: similarity to the cluster when it joined (100 for the first member)


@dataclass
class Cluster:
    """The same duty in several townships: at most one item per township."""

    members: dict[int, Member] = field(default_factory=dict)  #: township id -> member
    keys: list[str] = field(default_factory=list)  #: distinct normalised names

    def add(self, entry: Entry, score: float) -> None:
        self.members[entry.township_id] = Member(entry, score)
        if entry.key not in self.keys:
            self.keys.append(entry.key)

    @property
    def first(self) -> Entry:
        return next(iter(self.members.values())).entry

    @property
    def kinds(self) -> set[str]:
        return {m.entry.kind for m in self.members.values()}

    @property
    def cross_table(self) -> bool:
        return len(self.kinds) > 1

    def representative(self) -> Entry:
        """The wording most townships use (first township on a tie)."""
        counts = Counter(m.entry.key for m in self.members.values())
        best = max(counts.values())
        return next(m.entry for m in self.members.values() if counts[m.entry.key] == best)

    def common_kind(self) -> str:
        """The table most of its townships put it in (the first township's on a tie)."""
        counts = Counter(m.entry.kind for m in self.members.values())
        best = max(counts.values())
        return next(m.entry.kind for m in self.members.values() if counts[m.entry.kind] == best)

    def entry(self, township_id: int) -> Entry | None:
        m = self.members.get(township_id)
        return m.entry if m else None

    def min_score(self) -> float:
        return min(m.score for m in self.members.values())


def cluster(lists: list[tuple[Entry, ...]], threshold: float = THRESHOLD) -> list[Cluster]:
    """Clusters of the same duty over the lists (one list per township, in the order given)."""
    clusters: list[Cluster] = []
    for entries in lists:
        existing = len(clusters)
        taken: set[int] = set()
        by_key: dict[str, list[int]] = {}
        for ci in range(existing):
            for k in clusters[ci].keys:
                by_key.setdefault(k, []).append(ci)
        assigned: dict[int, tuple[int, float]] = {}
        rest = []
        for ei, e in enumerate(entries):  # exact normalised names first: nothing scores above 100
            free = [c for c in by_key.get(e.key, ()) if c not in taken]
            ci = next((c for c in free if clusters[c].first.kind == e.kind), free[0] if free else None)
            if ci is None:
                rest.append(ei)
            else:
                taken.add(ci)
                assigned[ei] = (ci, 100.0)
        choices, owners = [], []
        for ci in range(existing):
            if ci not in taken:
                for k in clusters[ci].keys:
                    choices.append(k)
                    owners.append(ci)
        if rest and choices:
            best: dict[tuple[int, int], float] = {}
            for ei in rest:
                for _, score, idx in process.extract(entries[ei].key, choices, scorer=fuzz.ratio,
                                                     score_cutoff=threshold, limit=None):
                    pair = (ei, owners[idx])
                    if score > best.get(pair, -1):
                        best[pair] = score
            ranked = sorted(best.items(), key=lambda kv: (
                -kv[1], entries[kv[0][0]].kind != clusters[kv[0][1]].first.kind, kv[0][0], kv[0][1]))
            for (ei, ci), score in ranked:
                if ei in assigned or ci in taken:
                    continue
                taken.add(ci)
                assigned[ei] = (ci, score)
        for ei, e in enumerate(entries):
            if ei in assigned:
                ci, score = assigned[ei]
                clusters[ci].add(e, score)
            else:
                c = Cluster()
                c.add(e, 100.0)
                clusters.append(c)
    return clusters


def clusters_for(versions: list[Version]) -> list[Cluster]:
    """The clusters of these versions' items (cached per tuple of versions)."""
    key = tuple(version_key(v) for v in versions)
    cached = _clusters_cache.get(key)
    if cached is None:
        cached = _clusters_cache.put(key, cluster([entries_of(v) for v in versions]))
    return cached


def clear_caches() -> None:
    _entries_cache.clear()
    _clusters_cache.clear()
    _consensus_cache.clear()


# ----------------------------------------------------------- the two pages ----
@dataclass
class Comparison:
    """What two or more townships' current lists share and where they differ."""

    versions: list[Version]
    clusters: list[Cluster]

    @property
    def township_ids(self) -> list[int]:
        return [v.township_id for v in self.versions]

    def shared_by_all(self) -> list[Cluster]:
        n = len(self.versions)
        return [c for c in self.clusters if len(c.members) == n]

    def shared_by_some(self) -> list[Cluster]:
        n = len(self.versions)
        return [c for c in self.clusters if 1 < len(c.members) < n]

    def only_in(self, township_id: int) -> list[Entry]:
        return [c.first for c in self.clusters if len(c.members) == 1 and township_id in c.members]

    def cross_table(self) -> list[Cluster]:
        return [c for c in self.clusters if len(c.members) > 1 and c.cross_table]

    def summary(self) -> dict:
        return {"shared": len(self.shared_by_all()), "some": len(self.shared_by_some()),
                "cross_table": len(self.cross_table()),
                "only": {tid: len(self.only_in(tid)) for tid in self.township_ids}}


def compare(versions: list[Version]) -> Comparison:
    return Comparison(versions, clusters_for(versions))


@dataclass
class Counterpart:
    """The most similar item of another township to a given item."""

    version: Version
    entry: Entry | None
    score: float

    @property
    def same(self) -> bool:
        return self.entry is not None and self.score >= THRESHOLD


def counterparts(entry: Entry, versions: list[Version]) -> list[Counterpart]:
    """For each version (of another township), its item most similar to `entry` (same table on a tie)."""
    out = []
    for version in versions:
        items = entries_of(version)
        best, best_score = None, -1.0
        exact = [e for e in items if e.key == entry.key]
        if exact:
            best = next((e for e in exact if e.kind == entry.kind), exact[0])
            best_score = 100.0
        elif items:
            found = process.extract(entry.key, [e.key for e in items], scorer=fuzz.ratio, limit=3)
            if found:
                top = found[0][1]
                ties = [items[idx] for _, score, idx in found if score == top]
                best = next((e for e in ties if e.kind == entry.kind), ties[0])
                best_score = top
        out.append(Counterpart(version, best, round(best_score, 1)))
    return out


@dataclass
class Standing:
    """How far one township's list is from the most common form."""

    version: Version
    total: int
    conforming: list[tuple[Entry, Cluster]]  #: its items that are consensus items
    missing: list[Cluster]  #: consensus items it does not have
    extra: list[Entry]  #: its items that are not consensus items

    @property
    def share(self) -> float:
        """Share of its items that match the consensus (1.0 = entirely the common form)."""
        return len(self.conforming) / self.total if self.total else 0.0

    @property
    def distance(self) -> float:
        return 1.0 - self.share


@dataclass
class Consensus:
    """The items present in the majority of the townships, and each township's standing."""

    versions: list[Version]
    items: list[Cluster]  #: the consensus clusters, in first-seen order
    standings: dict[int, Standing]  #: township id -> standing

    @property
    def majority(self) -> int:
        return len(self.versions) // 2 + 1


_consensus_cache = LRU(16)


def _consensus_core(versions: list[Version]):
    """(consensus clusters, {township id: (conforming, missing, extra, total)}): no ORM objects, cacheable."""
    key = tuple(version_key(v) for v in versions)
    cached = _consensus_cache.get(key)
    if cached is not None:
        return cached
    clusters = clusters_for(versions)
    majority = len(versions) // 2 + 1
    common = [c for c in clusters if len(c.members) >= majority] if len(versions) > 1 else []
    common_ids = {id(c) for c in common}
    per_township = {}
    for v in versions:
        entries = entries_of(v)
        order = {e.item_id: i for i, e in enumerate(entries)}
        conforming, extra = [], []
        for c in clusters:
            e = c.entry(v.township_id)
            if e is not None:
                (conforming.append((e, c)) if id(c) in common_ids else extra.append(e))
        conforming.sort(key=lambda p: order[p[0].item_id])
        extra.sort(key=lambda e: order[e.item_id])
        missing = [c for c in common if v.township_id not in c.members]
        per_township[v.township_id] = (conforming, missing, extra, len(entries))
    return _consensus_cache.put(key, (common, per_township))


def consensus(versions: list[Version]) -> Consensus:
    """Consensus over the versions: a duty is common when more than half the townships have it."""
    common, per_township = _consensus_core(versions)
    standings = {v.township_id: Standing(v, per_township[v.township_id][3], *per_township[v.township_id][:3])
                 for v in versions}
    return Consensus(versions, common, standings)


def townships_under(org: Organisation) -> list[int]:
    """Ids of the townships at or under an organisation (region, prefecture, county or township)."""
    return sorted(db.session.scalars(places.townships_under(org)))
