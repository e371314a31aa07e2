"""Forms of the review: decisions with reasons, opinions, answers, replies."""
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dutylist.models import ANSWERS, VERDICTS
from forms import BaseForm
from forms.choices import choices
from workflow.states import LEGALITY_CONCLUSIONS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DecisionForm(BaseForm):
    """Any move of the machine: a reason (required by some moves), departments and deadline on intake."""

    reason = TextAreaField("理由 / 意见", validators=[Optional(), Length(max=4000, message="理由过长（不超过 4000 字）")])
    departments = MultiCheckboxField("征求意见的部门", coerce=int, validate_choice=False)
    deadline = DateField("意见截止日期", validators=[Optional()], format="%Y-%m-%d",
                         render_kw={"autocomplete": "off"})
    no_consultation_reason = TextAreaField(
        "无需征求部门意见的理由（不选择部门时必填）",
        validators=[Optional(), Length(max=4000, message="理由过长（不超过 4000 字）")])


class ExtendForm(BaseForm):
    reason = TextAreaField("延长轮次的理由", validators=[DataRequired("须填写理由"), Length(max=4000)])


class OpinionForm(BaseForm):
    body = TextAreaField("意见", validators=[DataRequired("意见内容不能为空"),
                                            Length(max=4000, message="意见过长（不超过 4000 字）")])
    item_id = IntegerField("针对事项", validators=[Optional()])


class AnswerForm(BaseForm):
    answer = SelectField("答复", choices=choices(ANSWERS), validators=[DataRequired()])
    body = TextAreaField("理由", validators=[DataRequired("答复须说明理由"), Length(max=4000)])


class CsrfForm(BaseForm):
    """A form whose fields the view reads itself (one answer per open opinion): CSRF only."""


class SignOffForm(BaseForm):
    verdict = RadioField("本部门意见", choices=choices(VERDICTS),
                         validators=[DataRequired("请选择：无意见 / 有意见")])


class LegalityForm(BaseForm):
    """The county 司法局's conclusion of its legality review: 合法 / 需修改, with the reasons (required for 需修改)."""

    conclusion = RadioField("审查结论", choices=choices(LEGALITY_CONCLUSIONS),
                            validators=[DataRequired("请选择审查结论：合法 / 需修改")])
    reasons = TextAreaField("审查意见及理由（结论为“需修改”时必填）",
                            validators=[Optional(), Length(max=4000, message="理由过长（不超过 4000 字）")])


class ConsultationForm(BaseForm):
    """Add a department during the county's review."""

    department = IntegerField("增加征求意见的部门", validators=[DataRequired("请选择部门")])
    deadline = DateField("截止日期（留空：与本轮其他部门相同）", validators=[Optional()], format="%Y-%m-%d")


class ConsultationChangeForm(BaseForm):
    """Release a department, record it as lapsed, or give it a later deadline: always with a reason."""

    reason = TextAreaField("理由", validators=[DataRequired("须说明理由"),
                                               Length(max=4000, message="理由过长（不超过 4000 字）")])
    deadline = DateField("新的截止日期", validators=[Optional()], format="%Y-%m-%d")


class ReasonForm(BaseForm):
    """A 修改理由 for one change, or the reason an item is kept although it was flagged."""

    reason = TextAreaField("理由", validators=[DataRequired("理由不能为空"),
                                               Length(max=4000, message="理由过长（不超过 4000 字）")])


class ReplyForm(BaseForm):
    body = TextAreaField("回复", validators=[DataRequired("回复内容不能为空"), Length(max=4000)])


class ItemActionForm(BaseForm):
    """Delete or reorder one item: carries the version the page showed."""

    lock_version = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("理由", validators=[Optional(), Length(max=4000)])
    direction = IntegerField(validators=[Optional()])
    #: 移动到第 N 项 (text: the operation says what is wrong with it, in Chinese)
    position = StringField("移动到第几项", validators=[Optional()])
