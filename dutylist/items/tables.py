"""The three tables of a duty list, in their official order."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    kind: str  #: basic | cooperative | withdrawn
    label: str  #: 基本履职事项: table headings, sheet names, the 说明
    short: str  #: 基本: tags and messages ("基本事项第 3 项")
    #: how a list's "table type" column names this table (basic / 基本 / 基本履职事项 …), without spaces
    words: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """基本履职事项清单."""
        return self.label + "清单"


TABLES: dict[str, Table] = {t.kind: t for t in (
    Table("basic", "基本履职事项", "基本", ("basic", "基本", "基本事项", "基本履职", "基本履职事项", "基本履职事项清单")),
    Table("cooperative", "配合履职事项", "配合", ("cooperative", "cooperation", "配合", "配合事项", "配合履职",
                                            "配合履职事项", "配合履职事项清单")),
    Table("withdrawn", "上级部门收回事项", "收回", ("withdrawn", "recall", "recalled", "收回", "收回事项",
                                              "上级收回", "上级部门收回", "上级部门收回事项", "上级部门收回事项清单")),
)}
KINDS: tuple[str, ...] = tuple(TABLES)
KIND_LABELS: dict[str, str] = {k: t.label for k, t in TABLES.items()}


#: headers of a column that says which table each row belongs to (a flat sheet of all three tables)
TABLE_TYPE_HEADERS: tuple[str, ...] = (r"^(?:事项|表格|履职)(?:类型|属性|性质)$", r"^清单(?:类型|类别|名称|属性)?$",
                                       r"^所属清单$")


def kind_of_word(text: str | None) -> str | None:
    """The table a "table type" cell names (基本 / cooperative / 上级部门收回事项 …), or None."""
    word = "".join((text or "").split()).lower()
    return next((t.kind for t in TABLES.values() if word in t.words), None)


def title_pattern(kind: str) -> str:
    """A regular expression for how documents name the table: 基本履职事项, 配合履职事项, (上级部门)收回事项."""
    return rf"{TABLES[kind].short}(?:履职)?事项"
