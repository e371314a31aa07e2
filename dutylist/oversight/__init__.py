"""Dashboards and statistics for county, prefecture and region reviewers."""


def init_app(app):
    """Register the dashboard blueprint (filled in by the oversight work)."""
