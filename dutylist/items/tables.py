"""The three tables of a duty list, in their official order."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    kind: str  #: basic | cooperative | withdrawn
    label: str  #: 基本履职事项: table headings, sheet names, the 说明
    short: str  #: 基本: tags and messages ("基本事项第 3 项")

    @property
    def title(self) -> str:
        """基本履职事项清单."""
        return self.label + "清单"


TABLES: dict[str, Table] = {t.kind: t for t in (
    Table("basic", "基本履职事项", "基本"),
    Table("cooperative", "配合履职事项", "配合"),
    Table("withdrawn", "上级部门收回事项", "收回"),
)}
KINDS: tuple[str, ...] = tuple(TABLES)
KIND_LABELS: dict[str, str] = {k: t.label for k, t in TABLES.items()}


def title_pattern(kind: str) -> str:
    """A regular expression for how documents name the table: 基本履职事项, 配合履职事项, (上级部门)收回事项."""
    return rf"{TABLES[kind].short}(?:履职)?事项"
