"""Flask-WTF forms, one module per area; labels are Chinese, field names English."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from dutylist.textrules import field_problem


class BaseForm(FlaskForm):
    """Every form: WTForms' own messages ("Not a valid choice"…) in Chinese too, and the one rule for
    awkward characters (dutylist.textrules): control characters and non-characters are refused with a
    message naming the field (tab and line breaks only where the field takes several lines)."""

    class Meta:
        locales = ("zh",)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for f in self:
            if isinstance(f, PasswordField) or not isinstance(f, StringField) or not isinstance(f.data, str):
                continue  # a password is checked against its hash, never shown or stored as text
            label = f.label.text.split("（")[0]  # without its hint
            problem = field_problem(label, f.data, multiline=isinstance(f, TextAreaField))
            if problem:
                f.errors = [*f.errors, problem]
                ok = False
        return ok
