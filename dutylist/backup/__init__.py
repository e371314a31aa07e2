"""Backup and restore of the whole database, between SQLite and PostgreSQL.

    flask --app wsgi dump -o FILE          # one gzip'd JSON-lines file, see codec.py for the format
    flask --app wsgi restore FILE [--force]
"""
from .codec import BackupError

__all__ = ["BackupError", "dump_database", "restore_database", "init_app"]


def dump_database(path, **kw):
    from .dump import dump_database as run
    return run(path, **kw)


def restore_database(path, **kw):
    from .restore import restore_database as run
    return run(path, **kw)


def init_app(app):
    """Register the dump / restore commands."""
    from .cli import dump_command, restore_command

    app.cli.add_command(dump_command)
    app.cli.add_command(restore_command)
