"""Comparison between townships: shared items, items only one has, the same duty in other tables."""


def init_app(app):
    """Register the comparison blueprint (filled in by the oversight work)."""
