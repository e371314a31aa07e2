"""The 新旧对照表 (old/new comparison table) in Word and Excel: how revisions are reported upward.
Every reason an item was given in the revision is in its 修改理由 cell, in order."""
from __future__ import annotations

from ..items import KIND_LABELS
from ..services.diff import ItemDiff, item_text
from . import report_table

HEADERS = ("序号", "事项", "原内容", "新内容", "变化类型", "修改理由")


def rows(diffs: list[ItemDiff]) -> list[tuple]:
    out = []
    for n, d in enumerate(diffs, 1):
        where = []
        for side, label in ((d.old, "原"), (d.new, "现")):
            if side is not None:
                where.append(f"{label}：{KIND_LABELS[side['kind']]}第 {side['number']} 项")
        name = (d.new or d.old)["name"]
        out.append((n, f"{name}\n（{'；'.join(where)}）", item_text(d.old), item_text(d.new), d.label, d.reason or ""))
    return out


def to_xlsx(title: str, diffs: list[ItemDiff]) -> bytes:
    return report_table.to_xlsx(title, "新旧对照表", HEADERS, rows(diffs), (6, 30, 50, 50, 12, 30))


def to_docx(title: str, diffs: list[ItemDiff]) -> bytes:
    return report_table.to_docx(title, HEADERS, rows(diffs), (1.2, 5, 8.5, 8.5, 2, 4))
