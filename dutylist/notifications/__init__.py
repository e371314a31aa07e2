"""In-app notifications (and e-mail through SMTP when configured)."""


def init_app(app):
    """Register notification routes and the context processor (filled in by the oversight work)."""
