"""Forms of the review: decisions with reasons, opinions, answers, replies."""
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dutylist.models import ANSWERS
from forms import BaseForm


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DecisionForm(BaseForm):
    """Any move of the machine: a reason (required by some moves), departments and deadline on intake."""

    reason = TextAreaField("理由 / 意见", validators=[Optional(), Length(max=4000)])
    departments = MultiCheckboxField("征求意见的部门", coerce=int, validate_choice=False)
    deadline = DateField("意见截止日期", validators=[Optional()], format="%Y-%m-%d")


class ExtendForm(BaseForm):
    reason = TextAreaField("延长轮次的理由", validators=[DataRequired("须填写理由"), Length(max=4000)])


class OpinionForm(BaseForm):
    body = TextAreaField("意见", validators=[DataRequired("意见内容不能为空"), Length(max=4000)])
    item_id = IntegerField("针对事项", validators=[Optional()])


class AnswerForm(BaseForm):
    answer = SelectField("答复", choices=list(ANSWERS.items()), validators=[DataRequired()])
    body = TextAreaField("理由", validators=[DataRequired("答复须说明理由"), Length(max=4000)])


class ReplyForm(BaseForm):
    body = TextAreaField("回复", validators=[DataRequired("回复内容不能为空"), Length(max=4000)])


class ItemActionForm(BaseForm):
    """Delete or reorder one item: carries the version the page showed."""

    lock_version = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("理由", validators=[Optional(), Length(max=4000)])
    direction = IntegerField(validators=[Optional()])
