"""Differences between two lists (versions, or a draft and its base), matched by item identity.

Item level: added, removed, changed, moved (between tables), renumbered. Within a changed
item, the inserted and deleted characters of each field (Chinese: by character, not by word).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..items import FIELDS, KINDS, field_text

KIND_NAMES = {"added": "新增", "removed": "删除", "changed": "修改", "moved": "调整清单",
              "renumbered": "调整序号"}
#: the fields a diff compares (a departments cell by its text), with their labels
FIELD_LABELS = {f.key: f.label for f in FIELDS}


def item_text(entry: dict | None) -> str:
    """The whole item as the 新旧对照表 prints it."""
    if entry is None:
        return ""
    parts = [f"【{entry['category']}】{entry['name']}"]
    for key in FIELD_LABELS:
        if key in ("category", "name"):
            continue
        text = field_text(entry, key)
        if text:
            parts.append(f"{FIELD_LABELS[key]}：{text}")
    return "\n".join(parts)


def char_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in equal / insert / delete, character by character."""
    if old == new:
        return [("equal", old)] if old else []
    out: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("equal", old[i1:i2]))
        else:
            if i2 > i1:
                out.append(("delete", old[i1:i2]))
            if j2 > j1:
                out.append(("insert", new[j1:j2]))
    return out


@dataclass
class ItemDiff:
    """One item's change between two lists."""

    item_id: int
    kinds: list[str]  #: added | removed | changed | moved | renumbered
    old: dict | None
    new: dict | None
    reasons: list[str] = field(default_factory=list)  #: every 修改理由 it was given, in order
    #: field name -> char_diff segments, for the fields whose text changed
    fields: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def reason(self) -> str | None:
        """The reasons as one text, numbered when there are several (the 新旧对照表's column)."""
        if len(self.reasons) <= 1:
            return self.reasons[0] if self.reasons else None
        return "\n".join(f"{n}. {r}" for n, r in enumerate(self.reasons, 1))

    @property
    def label(self) -> str:
        return "、".join(KIND_NAMES[k] for k in self.kinds)

    @property
    def kind(self) -> str:
        """The table it is in now (or was in, when removed)."""
        return (self.new or self.old)["kind"]

    @property
    def category(self) -> str:
        return (self.new or self.old)["category"]

    def touches(self, kind: str | None = None, category: str | None = None) -> bool:
        sides = [s for s in (self.old, self.new) if s is not None]
        return ((not kind or any(s["kind"] == kind for s in sides))
                and (not category or any(s["category"] == category for s in sides)))

    def to_dict(self) -> dict:
        return {"item_id": self.item_id, "kinds": self.kinds, "label": self.label, "reason": self.reason,
                "reasons": list(self.reasons),
                "old": _public(self.old), "new": _public(self.new),
                "fields": {name: [{"op": op, "text": text} for op, text in segs]
                           for name, segs in self.fields.items()}}


def _public(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    return {k: v for k, v in entry.items() if k not in ("flags",)}


def diff_entries(old: list[dict], new: list[dict], reasons: dict[int, list[str]] | None = None,
                 removed_reasons: dict[int, list[str]] | None = None) -> list[ItemDiff]:
    """Item-level differences, in the new list's order, removed items after the ones they followed."""
    reasons = reasons or {}
    old_by_id = {e["item_id"]: e for e in old}
    new_ids = {e["item_id"] for e in new}
    out: list[ItemDiff] = []
    for entry in new:
        before = old_by_id.get(entry["item_id"])
        if before is None:
            out.append(ItemDiff(entry["item_id"], ["added"], None, entry, list(reasons.get(entry["item_id"], []))))
            continue
        kinds = []
        fields = {}
        if before.get("hash") != entry.get("hash") or "hash" not in entry:
            for name in FIELD_LABELS:
                a, b = field_text(before, name), field_text(entry, name)
                if a != b:
                    fields[name] = char_diff(a, b)
            if fields:
                kinds.append("changed")
        if before["kind"] != entry["kind"]:
            kinds.append("moved")
        elif before["number"] != entry["number"]:
            kinds.append("renumbered")
        if kinds:
            out.append(ItemDiff(entry["item_id"], kinds, before, entry, list(reasons.get(entry["item_id"], [])), fields))
    removed_reasons = removed_reasons or reasons
    for entry in old:
        if entry["item_id"] not in new_ids:
            out.append(ItemDiff(entry["item_id"], ["removed"], entry, None, list(removed_reasons.get(entry["item_id"], []))))
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out, key=lambda d: (order[d.kind], (d.new or d.old)["number"], "removed" in d.kinds))


def split_renumbered(diffs: list[ItemDiff]) -> tuple[list[ItemDiff], list[ItemDiff]]:
    """(real changes, items whose only change is their number): the second are shown apart."""
    only = [d for d in diffs if d.kinds == ["renumbered"]]
    return [d for d in diffs if d.kinds != ["renumbered"]], only


def summary(diffs: list[ItemDiff]) -> dict[str, int]:
    """How many items of each kind of change."""
    counts = dict.fromkeys(KIND_NAMES, 0)
    for d in diffs:
        for k in d.kinds:
            counts[k] += 1
    return counts
