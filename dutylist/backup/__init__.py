"""Backup and restore of the whole database, between SQLite and PostgreSQL.

    flask --app wsgi dump -o FILE          # one gzip'd JSON-lines file, see codec.py for the format
    flask --app wsgi restore FILE [--force]
"""
from .cli import dump_command, restore_command
from .codec import BackupError
from .dump import dump_database
from .restore import restore_database

__all__ = ["BackupError", "dump_database", "restore_database", "init_app"]


def init_app(app):
    """Register the dump / restore commands."""
    app.cli.add_command(dump_command)
    app.cli.add_command(restore_command)
