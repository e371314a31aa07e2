"""Counts as an official preface states them: per table, per category, departments involved."""
from __future__ import annotations

from collections import Counter

from ..items import KINDS, named_departments
from ..vocabulary import CATEGORIES
from .departments import department_key

ORDER = {c: i for i, c in enumerate(CATEGORIES)}


def list_stats(entries: list[dict], county=None, names: dict | None = None) -> dict:
    """Totals of one list: {'total', 'per_kind', 'per_category': {kind: [(cat, n)]}, 'departments': {kind: n}};
    `names`: item id -> named_departments of its entry, when the caller has them already."""
    per_kind = Counter(e["kind"] for e in entries)
    per_category = {}
    departments = {}
    keys_of: dict[str, str] = {}  # a name's county-relative key, worked out once for the three tables
    for kind in KINDS:
        rows = [e for e in entries if e["kind"] == kind]
        counts = Counter(e["category"] for e in rows)
        per_category[kind] = sorted(counts.items(), key=lambda kv: (ORDER.get(kv[0], len(ORDER)), kv[0]))
        named = {n for e in rows for n in (names[e["item_id"]] if names is not None else named_departments(e))}
        if county is not None:
            for n in named.difference(keys_of):
                keys_of[n] = department_key(n, county)
            named = {keys_of[n] for n in named}
        departments[kind] = len(named)
    all_categories = Counter(e["category"] for e in entries)
    return {
        "total": len(entries),
        "per_kind": {k: per_kind.get(k, 0) for k in KINDS},
        "per_category": per_category,
        "categories": len(all_categories),
        "departments": departments,
    }
