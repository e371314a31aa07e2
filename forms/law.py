"""A change of law (issue 14.3–14.4): marking a basis amended or repealed; the one-action adjustment."""
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forms import BaseForm
from forms.choices import choices

STATUS_CHOICES = choices([("repealed", "已废止"), ("amended", "已修订")])


class BasisStatusForm(BaseForm):
    """Mark a basis amended (with the new basis, where it is in the library) or repealed."""

    status = SelectField("变更为", choices=STATUS_CHOICES, validators=[DataRequired("请选择已修订或已废止")])
    day = DateField("日期", validators=[DataRequired("请填写修订或废止的日期（格式：2026-01-31）")])
    note = TextAreaField("说明", validators=[Optional(), Length(max=2000, message="说明过长（不超过 2000 字）")])
    replaced_by = SelectField("修订后的依据（已修订时可选）", coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                              choices=[], validate_choice=False, validators=[Optional()])


class AdjustmentForm(BaseForm):
    """The one action: adjustment drafts for every affected township of the area (no fields: CSRF only)."""
