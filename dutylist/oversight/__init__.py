"""Dashboards and statistics for county, prefecture and region reviewers."""


def init_app(app):
    """Register the dashboard and statistics blueprint."""
    from .views import bp

    app.register_blueprint(bp)
