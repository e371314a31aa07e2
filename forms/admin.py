"""Forms of the administrators' pages (三员分立): organisations, the department registry, accounts, roles.

The services check what needs the database (names taken, the organisation found, the role fitting);
these forms check the shape of what was typed, in Chinese.
"""
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from dutylist.vocabulary import EMAIL_PATTERN
from forms import BaseForm


def _strip(value):
    return (value or "").strip()


class OrganisationForm(BaseForm):
    """Add an organisation under a parent (the kinds offered are those that hang under it)."""

    #: the kinds offered are set by the view; the service refuses a kind that may not hang there
    kind = SelectField("类型", choices=[], validate_choice=False, validators=[DataRequired("请选择类型")])
    name = StringField("名称", filters=[_strip], validators=[DataRequired("请填写名称"),
                                                            Length(max=100, message="名称不能超过 100 个字")])
    short_name = StringField("简称（可选，如 昌吉州）", filters=[_strip],
                             validators=[Optional(), Length(max=50, message="简称不能超过 50 个字")])


class RenameForm(BaseForm):
    name = StringField("名称", filters=[_strip], validators=[DataRequired("请填写名称"),
                                                            Length(max=100, message="名称不能超过 100 个字")])
    short_name = StringField("简称（可选）", filters=[_strip],
                             validators=[Optional(), Length(max=50, message="简称不能超过 50 个字")])


class MoveForm(BaseForm):
    parent = SelectField("新的上级单位", coerce=int, validate_choice=False,
                         validators=[DataRequired("请选择新的上级单位")])


class ConfirmForm(BaseForm):
    """A button that changes something: only the CSRF token."""


class AliasForm(BaseForm):
    alias = StringField("别名（清单中的其他写法）", filters=[_strip], validators=[
        DataRequired("请填写别名"), Length(max=100, message="别名不能超过 100 个字")])


class MapNameForm(BaseForm):
    """One unmatched name of the lists: which department it is (or a new one, or none)."""

    name = HiddenField(filters=[_strip], validators=[DataRequired("缺少名称"), Length(max=100)])
    target = SelectField("对应到", validate_choice=False, validators=[DataRequired("请选择对应的部门")])


class AccountForm(BaseForm):
    """A new account (the organisation as its name or path, e.g. 昌吉回族自治州/吉木萨尔县/大有镇)."""

    username = StringField("用户名", filters=[_strip], validators=[
        DataRequired("请填写用户名"), Length(max=80, message="用户名不能超过 80 位")])
    display_name = StringField("姓名", filters=[_strip], validators=[
        DataRequired("请填写姓名"), Length(max=100, message="姓名不能超过 100 个字")])
    organisation = StringField("单位（名称或路径，如 昌吉回族自治州/吉木萨尔县/大有镇）", filters=[_strip], validators=[
        DataRequired("请填写单位"), Length(max=400, message="单位名称过长")])
    email = StringField("电子邮箱（可选）", filters=[_strip], validators=[
        Optional(), Length(max=254, message="电子邮箱不能超过 254 个字符"),
        Regexp("^" + EMAIL_PATTERN + "$", message="电子邮箱格式不正确，例如：zhang@example.gov.cn")])


class AccountEditForm(BaseForm):
    display_name = AccountForm.display_name
    organisation = AccountForm.organisation
    email = AccountForm.email


class RoleForm(BaseForm):
    new_role = SelectField("角色", validate_choice=False)


class SheetForm(BaseForm):
    file = FileField("账号表（Excel .xlsx：用户名、姓名、单位、邮箱）")


class SheetConfirmForm(BaseForm):
    """The checked rows, sent back to be checked again and created (nothing is kept between the two)."""

    rows = HiddenField(validators=[DataRequired("缺少要导入的账号")])
