"""Comparison between townships: shared items, items only one has, the same duty in other tables.

matching.py holds the normalisation, the rapidfuzz matching and its caches; views.py the pages.
"""


def init_app(app):
    """Register the comparison blueprint."""
    from .views import bp

    app.register_blueprint(bp)
