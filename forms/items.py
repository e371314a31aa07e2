"""The form for one item of a draft (any of the three tables), built from the item schema."""
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from dutylist.items import (
    FIELDS,
    KIND_LABELS,
    KINDS,
    Field,
    Shape,
    citation_lines,
    common_fields,
    fields_of,
    lines_of,
    receiving_lines,
    receiving_of_lines,
)
from dutylist.items import field as schema_field
from dutylist.vocabulary import CATEGORIES
from forms import BaseForm
from forms.choices import choices, values


def _form_field(f: Field):
    label = f"{f.label}（{f.hint}）" if f.hint else f.label
    if f.vocabulary:
        return SelectField(label, choices=choices(CATEGORIES),
                           validators=[DataRequired(f"请选择{f.label}")])
    validators = [DataRequired(f"{f.label}不能为空") if f.always else Optional(), Length(max=f.limit)]
    return (StringField if f.shape == Shape.departments else TextAreaField)(label, validators=validators)


def _as_text(f: Field, value) -> str:
    """A stored field as the form shows it."""
    if f.shape == Shape.steps:
        return "\n".join(value or [])
    if f.shape == Shape.department_rows:
        return "\n".join(receiving_lines(value))
    if f.shape == Shape.citations:
        return "\n".join(citation_lines(value))
    return value or ""


def _from_text(f: Field, text: str | None):
    """What the form sends, in the shape workflow.operations.clean_fields expects."""
    if f.shape == Shape.steps:
        return lines_of(text)
    if f.shape == Shape.department_rows:
        return receiving_of_lines(lines_of(text), strict=True)
    return text or ""


class ItemForm(BaseForm):
    kind = SelectField("所在清单", choices=choices(KIND_LABELS))
    reason = TextAreaField("修改理由（可暂不填写；上报前每项修改都须有理由）", validators=[Optional(), Length(max=4000)])
    lock_version = HiddenField("事项版本号")
    #: only when adding: the place in the chosen table (the operation checks the range)
    position = StringField("插入位置：插入到该表第几项之前（留空则添加到末尾）", validators=[Optional()],
                           render_kw={"inputmode": "numeric", "autocomplete": "off", "size": 6})

    def sections(self) -> list[tuple[str | None, list]]:
        """(table or None, its form fields): the fields every table has, then each table's own, then
        the optional fields every table has (备注)."""
        common = [f.key for f in common_fields()]
        out = [(None, [self[f.key] for f in common_fields() if not f.optional])]
        for kind in KINDS:
            own = [self[f.key] for f in fields_of(kind) if f.key not in common]
            if own:
                out.append((kind, own))
        out.append((None, [self[f.key] for f in common_fields() if f.optional]))
        return out

    def rows(self, field) -> int:
        """Text area height: more for steps and 承接部门 rows."""
        shape = schema_field(field.name).shape
        return {Shape.steps: 6, Shape.department_rows: 4}.get(shape, 3)

    def fill_from(self, item) -> None:
        """Load a draft item into the form (for GET)."""
        self.kind.data = item.kind
        for f in FIELDS:
            if f.vocabulary:
                self._offer(self[f.key], getattr(item, f.key))
            self[f.key].data = _as_text(f, getattr(item, f.key))
        self.lock_version.data = str(item.lock_version)

    def keep_value(self, item) -> None:
        """On a POST, a vocabulary field keeps offering the item's current value even if it left the vocabulary."""
        for f in FIELDS:
            if f.vocabulary:
                self._offer(self[f.key], getattr(item, f.key))

    @staticmethod
    def _offer(field, value) -> None:
        """Offer `value` first in a vocabulary field, unless it is offered already."""
        if value not in values(field.choices):
            field.choices = choices([value]) + field.choices

    def data_for_service(self) -> dict:
        """The fields as workflow.operations.clean_fields expects them."""
        return {f.key: _from_text(f, self[f.key].data) for f in FIELDS}


for _f in FIELDS:
    setattr(ItemForm, _f.key, _form_field(_f))
