"""The library of legal bases (依据库): an entry's form, the sheet upload and its confirmation."""
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from dutylist.models import BASIS_LEVELS
from forms import BaseForm
from forms.choices import choices


class BasisForm(BaseForm):
    """Add or edit an entry; lengths, duplicates and the rest are checked by services.bases (the
    message then shows next to its box)."""

    title = StringField("依据名称（不带书名号，如“中华人民共和国土地管理法”）")
    doc_number = StringField("文号（如“国发〔2020〕5号”，法律可不填）")
    issuer = StringField("制定机关（如“全国人民代表大会常务委员会”）")
    level = SelectField("效力层级", choices=choices([("", "请选择"), *BASIS_LEVELS]), validate_choice=False)
    published_on = DateField("公布日期", validators=[Optional()], format="%Y-%m-%d")
    effective_on = DateField("施行日期", validators=[Optional()], format="%Y-%m-%d")
    url = StringField("链接（可选）")
    excerpt = TextAreaField("摘录（可选）")

    def values(self) -> dict:
        return {"title": self.title.data or "", "doc_number": self.doc_number.data or "",
                "issuer": self.issuer.data or "", "level": self.level.data or "",
                "published_on": self.published_on.data, "effective_on": self.effective_on.data,
                "url": self.url.data or "", "excerpt": self.excerpt.data or ""}


class BasisSheetForm(BaseForm):
    file = FileField("依据表（Excel .xlsx：名称、文号、制定机关、效力层级、公布日期、施行日期、链接、摘录）")


class BasisSheetConfirmForm(BaseForm):
    """The sheet's rows as the preview showed them, checked again and added (nothing kept in between)."""

    rows = HiddenField(validators=[DataRequired("缺少要导入的依据")])
