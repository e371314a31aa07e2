"""The 代理 form: whom, from which day to which day."""
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired

from forms import BaseForm


class DeputyForm(BaseForm):
    """Name a deputy of one's organisation (the choices are set by the view)."""

    deputy = SelectField("代理人", coerce=int, choices=[], validate_choice=False,
                         validators=[DataRequired("请选择代理人")])
    starts_on = DateField("开始日期", validators=[DataRequired("请填写开始日期（格式：2026-01-31）")])
    ends_on = DateField("结束日期（含当天）", validators=[DataRequired("请填写结束日期（格式：2026-01-31）")])
