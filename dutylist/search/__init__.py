"""Full-text search across published lists (issue: oversight)."""


def init_app(app):
    """Register the search blueprint (filled in by the oversight work)."""
