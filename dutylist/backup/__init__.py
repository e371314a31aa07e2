"""Backup and restore of the whole database, between SQLite and PostgreSQL."""


def init_app(app):
    """Register the dump / restore commands (filled in by the robustness work)."""
