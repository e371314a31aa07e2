"""Flask-WTF forms, one module per area; labels are Chinese, field names English."""
from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """Every form: WTForms' own messages ("Not a valid choice"…) in Chinese too."""

    class Meta:
        locales = ("zh",)
