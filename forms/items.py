"""The form for one item of a draft (any of the three tables)."""
import re

from forms import BaseForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from dutylist.importers.parsed import KIND_LABELS
from dutylist.vocabulary import CATEGORIES

_DEPT_PREFIX = re.compile(r"^(?P<dept>[^：:，,。；;\s]{2,40}?)\s*[：:]\s*(?P<method>.*)$")


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_receiving(text: str) -> list[dict]:
    """'县民政局：负责…' per line -> [{department, method}]; a line without a department is kept as method."""
    from dutylist.services.departments import looks_like_department

    rows = []
    for line in split_lines(text):
        m = _DEPT_PREFIX.match(line)
        if m and looks_like_department(m["dept"]):
            rows.append({"department": m["dept"], "method": m["method"].strip()})
        else:
            rows.append({"department": "", "method": line})
    return rows


def format_receiving(rows: list[dict]) -> str:
    return "\n".join(f"{r['department']}：{r['method']}" if r.get("department") else r.get("method", "")
                     for r in rows or [])


class ItemForm(BaseForm):
    kind = SelectField("所在清单", choices=list(KIND_LABELS.items()))
    category = SelectField("事项类别", choices=[(c, c) for c in CATEGORIES],
                           validators=[DataRequired("请选择事项类别")])
    name = TextAreaField("事项名称", validators=[DataRequired("事项名称不能为空"), Length(max=4000)])
    departments_text = StringField("对应上级部门（多个部门用顿号分隔）", validators=[Optional(), Length(max=1000)])
    dept_duties = TextAreaField("上级部门职责（每行一步）", validators=[Optional(), Length(max=20000)])
    township_duties = TextAreaField("乡镇配合职责（每行一步）", validators=[Optional(), Length(max=20000)])
    receiving = TextAreaField("承接部门及工作方式（每行“部门：工作方式”；不再开展的写明原因）",
                              validators=[Optional(), Length(max=20000)])
    reason = TextAreaField("修改理由（可选）", validators=[Optional(), Length(max=4000)])
    lock_version = HiddenField()

    def fill_from(self, item) -> None:
        """Load a draft item into the form (for GET)."""
        self.kind.data = item.kind
        if item.category not in dict(self.category.choices):
            self.category.choices = [(item.category, item.category)] + self.category.choices
        self.category.data = item.category
        self.name.data = item.name
        self.departments_text.data = item.departments_text
        self.dept_duties.data = "\n".join(item.dept_duties or [])
        self.township_duties.data = "\n".join(item.township_duties or [])
        self.receiving.data = format_receiving(item.receiving)
        self.lock_version.data = str(item.lock_version)

    def data_for_service(self) -> dict:
        """The fields as workflow.operations.clean_fields expects them."""
        return {
            "category": self.category.data, "name": self.name.data,
            "departments_text": self.departments_text.data or "",
            "dept_duties": split_lines(self.dept_duties.data),
            "township_duties": split_lines(self.township_duties.data),
            "receiving": parse_receiving(self.receiving.data),
        }
