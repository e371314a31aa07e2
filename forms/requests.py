"""The adjustment request form (调整申请): its type, situation, reason and the item changes it asks for, and
the county office's decision. The item fields come from the item schema, as in the draft's item form."""
from wtforms import Form, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from dutylist.items import FIELDS, KIND_LABELS, Field, Shape
from dutylist.models.request import REQUEST_ACTIONS, REQUEST_TYPES, SITUATIONS
from dutylist.textrules import field_problem
from dutylist.vocabulary import CATEGORIES
from forms import BaseForm
from forms.choices import choices
from forms.items import _from_text

#: the rows a new form shows; 再加一项 adds one (up to MAX_ROWS)
ROWS, MAX_ROWS = 3, 30


def _change_field(f: Field):
    label = f"{f.label}（{f.hint}）" if f.hint else f.label
    if f.vocabulary:
        return SelectField(label, choices=choices([("", "—"), *CATEGORIES]), validators=[Optional()])
    return (StringField if f.shape == Shape.departments else TextAreaField)(
        label, validators=[Optional(), Length(max=f.limit)])


class ChangeForm(Form):
    """One change asked for: an action, a table, an existing item (except to add) and the item's fields
    (to change an item, only the fields filled in are changed)."""

    action = SelectField("调整方式", choices=choices([("", "（不填写本项）"), *REQUEST_ACTIONS.items()]),
                         validators=[Optional()])
    kind = SelectField("所在清单", choices=choices([("", "（新增须选；调整所在清单时选新的清单）"), *KIND_LABELS.items()]),
                       validators=[Optional()])
    item_id = SelectField("现有事项（修改、调整所在清单、删除时选择：按序号和名称）", choices=choices([("", "—")]),
                          validators=[Optional()], validate_choice=False)

    def problems(self) -> list[str]:
        """Awkward characters in its text boxes (dutylist.textrules), named by field."""
        out = []
        for f in FIELDS:
            box = self[f.key]
            if isinstance(box.data, str):
                problem = field_problem(f.label, box.data, multiline=isinstance(box, TextAreaField))
                if problem:
                    box.errors = [*box.errors, problem]
                    out.append(problem)
        return out

    def change(self) -> dict | None:
        """The change as workflow.requests.submit_request takes it (None: the row was left empty)."""
        action = self.action.data or ""
        if not action:
            return None
        fields = {f.key: _from_text(f, self[f.key].data) for f in FIELDS}
        if action != "add":  # only what is filled in changes
            fields = {k: v for k, v in fields.items() if v not in ("", [], None)}
        raw = (self.item_id.data or "").strip()
        return {"action": action, "kind": self.kind.data or None, "item_id": int(raw) if raw.isdecimal() else None,
                "fields": fields}


for _f in FIELDS:
    setattr(ChangeForm, _f.key, _change_field(_f))


class RequestForm(BaseForm):
    type = RadioField("申请类型", choices=choices(REQUEST_TYPES), default="dynamic",
                      validators=[DataRequired("请选择申请类型")])
    situation = SelectField("申请情形", choices=choices([("", "请选择"), *SITUATIONS]),
                            validators=[DataRequired("请选择申请情形")])
    reason = TextAreaField("申请理由（调整的具体内容、主要依据及理由）",
                           validators=[DataRequired("须填写申请理由"), Length(max=4000)])
    rows = HiddenField(default=str(ROWS))

    def row_count(self) -> int:
        raw = (self.rows.data or "").strip()
        return min(MAX_ROWS, max(1, int(raw))) if raw.isdecimal() and len(raw) < 4 else ROWS


class DecisionForm(BaseForm):
    decision = RadioField("处理结果", choices=choices([("accept", "同意（修改纳入乡镇修订稿）"), ("reject", "不予同意")]),
                          validators=[DataRequired("请选择处理结果")])
    reason = TextAreaField("处理意见（不予同意时必填）", validators=[Optional(), Length(max=4000)])
