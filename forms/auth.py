"""Flask-WTF forms, one module per area; labels are Chinese, field names English."""
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from dutylist.vocabulary import EMAIL_PATTERN
from forms import BaseForm


class LoginForm(BaseForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])
    remember = BooleanField("记住我")


class PasswordChangeForm(BaseForm):
    """The policy itself (dutylist.services.passwords) is applied by the view, which knows the user name."""

    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码"), Length(max=200)])
    new_password = PasswordField("新密码（至少 10 位，含至少两类字符）",
                                 validators=[DataRequired("请输入新密码"), Length(max=200, message="密码不能超过 200 位")])
    new_password2 = PasswordField("再次输入新密码", validators=[
        DataRequired("请再次输入新密码"), EqualTo("new_password", "两次输入的新密码不一致")])


__all__ = ["EMAIL_PATTERN", "EmailForm", "LoginForm", "PasswordChangeForm"]


class EmailForm(BaseForm):
    """The address notification mail goes to (empty: no mail)."""

    email = StringField("电子邮箱（用于接收待办提醒；留空则不发邮件）", filters=[lambda v: (v or "").strip()], validators=[
        Optional(), Length(max=254, message="电子邮箱不能超过 254 个字符"),
        Regexp("^" + EMAIL_PATTERN + "$", message="电子邮箱格式不正确，例如：zhang@example.gov.cn")])
