"""The schema of an item's fields: one declaration per field, everything else derives from it."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .tables import KINDS


class Shape(StrEnum):
    text = "text"  #: one text (category, name)
    steps = "steps"  #: numbered steps, one line each (上级部门职责, 乡镇配合职责)
    departments = "departments"  #: a cell naming departments: the printed text, and the names in it
    department_rows = "department_rows"  #: 承接部门及工作方式: [{department, method}], a row per department
    #: 依据: [{basis_id, article, text}], a citation per line (a library entry, or a pending text)
    citations = "citations"


@dataclass(frozen=True)
class Field:
    key: str  #: the content key (the stored column, the API and form field name)
    label: str  #: Chinese, for pages, messages, diffs, search and CSV
    shape: Shape
    limit: int  #: characters at most (all lines together)
    kinds: tuple[str, ...]  #: the tables that have it
    required: bool  #: a submitted draft may not leave it empty
    header: str | None = None  #: the official document's column header, when it is not the label
    hint: str = ""  #: how to type it in the form
    required_message: str = ""  #: the pre-submit message when it is empty
    searchable: bool = True  #: part of what full-text search finds an item by
    always: bool = False  #: may not be empty even while drafting (every save checks it)
    #: how the column's header reads in documents (regular expressions on the header without spaces);
    #: readers try the fields in `header_rank` order, the first match wins
    headers: tuple[str, ...] = ()
    header_rank: int = 0
    #: headers of columns that hold one part of the cell ({part: regex}), e.g. 承接部门 / 工作方式
    part_headers: tuple[tuple[str, str], ...] = ()
    vocabulary: bool = False  #: one of the controlled vocabulary's values (事项类别)
    #: kept out of the official layout until used: an empty value is left out of the canonical content
    #: (so adding such a field changes no stored hash), and documents print its column only in a table
    #: where some item has it
    optional: bool = False

    @property
    def column(self) -> str:
        """The header of this field's column in the official layout."""
        return self.header or self.label

    @property
    def keys(self) -> tuple[str, ...]:
        """The content keys it stores: a departments cell stores its text and its names."""
        return (self.key, NAMES_KEY) if self.shape == Shape.departments else (self.key,)


#: where a departments cell keeps the names it lists (its text stays under the field's key)
NAMES_KEY = "departments"
#: one department name at most (a longer one is a misread cell, not a name)
NAME_LIMIT = 100

FIELDS: tuple[Field, ...] = (
    Field("category", "事项类别", Shape.text, 50, KINDS, True, searchable=False, always=True, vocabulary=True,
          headers=(r"类别", r"^(?:权力|职权|权责|职责)?(?:类型|分类)$"), header_rank=1),
    Field("name", "事项名称", Shape.text, 4000, KINDS, True, required_message="事项名称为空", always=True,
          headers=(r"事项名称", r"^(?:名称|事项|事项内容|履职事项)$",
                   r"^(?:项目|职权|权力|权责|职责|服务|工作|主项)(?:事项)?名称$"), header_rank=9),
    Field("departments_text", "对应上级部门", Shape.departments, 1000, ("cooperative",), True,
          hint="多个部门用顿号分隔", required_message="须写明对应上级部门",
          headers=(r"上级部门", r"^(?:对应部门|责任部门|主管部门|牵头部门|业务主管部门)$"), header_rank=8),
    Field("dept_duties", "上级部门职责", Shape.steps, 20000, ("cooperative",), True,
          hint="每行一步", required_message="须写明上级部门职责",
          headers=(r"^(?=.*职责)(?=.*(?:上级|部门))",), header_rank=3),
    Field("township_duties", "乡镇配合职责", Shape.steps, 20000, ("cooperative",), True,
          header="镇(乡)配合职责", hint="每行一步", required_message="须写明乡镇配合职责",
          headers=(r"配合职责",), header_rank=2),
    Field("receiving", "承接部门及工作方式", Shape.department_rows, 20000, ("withdrawn",), True,
          hint="每行“部门：工作方式”；不再开展的写明原因",
          required_message="须写明承接部门及工作方式，或说明该事项不再开展",
          headers=(r"^(?=.*承接)(?=.*方式)",), header_rank=4,
          part_headers=(("department", r"承接部门|承接单位"), ("method", r"工作方式|承接方式"))),
    Field("bases", "依据", Shape.citations, 20000, KINDS, False, optional=True,
          hint="每行一条，如“《中华人民共和国土地管理法》第十条”；输入时可从依据库选择",
          headers=(r"依据$", r"^(?:法律|政策|设定|实施|职权|法定)依据", r"^(?:法律法规|政策)(?:条款|文件)?$"),
          header_rank=6),
    Field("remarks", "备注", Shape.text, 4000, KINDS, False, optional=True,
          hint="其他说明；导入时没有对应字段的列以“列名：内容”记在这里",
          headers=(r"^(?:备注|附注|备考|其他说明|备注说明)$",), header_rank=5),
)
_BY_KEY = {f.key: f for f in FIELDS}
#: a citation's article (第十条、第二款) and its text (the basis as typed), characters at most; citations
#: per item at most
ARTICLE_LIMIT, CITATION_TEXT_LIMIT, CITATIONS_MAX = 100, 300, 50
#: the field that keeps what no other field holds (备注): an imported column the item has no field for
#: goes there under its header
CATCH_ALL: str = next(f.key for f in FIELDS if f.label == "备注")
#: every key an item content holds (what is stored and hashed)
CONTENT_KEYS: tuple[str, ...] = tuple(k for f in FIELDS for k in f.keys)


def field(key: str) -> Field:
    return _BY_KEY[key]


#: Columns that other published lists have and the item has no field for yet: recognised by their
#: headers (regular expressions, as `Field.headers`), they go to 备注 under their own header
#: ("实施依据：……"). A field added for one of them takes its patterns into its `headers`.
NOTE_HEADERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("责任事项", (r"责任事项", r"^责任(?:内容|清单)?$")),
    ("追责情形", (r"追责|问责|责任追究",)),
    ("编码", (r"编码$", r"代码$", r"^事项编号$")),
    ("子项", (r"^子项(?:名称)?$",)),
    ("实施主体", (r"实施主体|责任主体|行使主体|实施机关",)),
    ("监督方式", (r"监督|投诉|咨询",)),
)


def common_fields() -> tuple[Field, ...]:
    """The fields every table has."""
    return tuple(f for f in FIELDS if set(f.kinds) == set(KINDS))


def fields_of(kind: str) -> tuple[Field, ...]:
    """The fields of one table, in column order."""
    return tuple(f for f in FIELDS if kind in f.kinds)
