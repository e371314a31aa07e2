"""In-app notifications (and e-mail through SMTP when configured)."""
from __future__ import annotations

import os

from .. import signals
from . import models  # noqa: F401  (register the table with the metadata, before create_all / Alembic)
from .models import Notification  # noqa: F401


def on_revision_event(revision, event, **_):
    """A revision's audit entry: the notifications it calls for, in the same transaction."""
    from .service import notify_for

    notify_for(event, revision)


def init_app(app):
    """Register the notification routes, the header's unread count, SMTP settings and send-reminders."""
    from flask import g
    from flask_login import current_user

    from . import cli, mail, views

    for key, value in mail.settings_from_env(os.environ).items():
        app.config.setdefault(key, value)  # create_app's overrides (tests) win over the environment
    app.register_blueprint(views.bp)
    signals.revision_event.connect(on_revision_event)
    app.cli.add_command(cli.send_reminders_command)

    @app.context_processor
    def unread_notifications():
        # registered after security's default (0), so this value wins; one COUNT per request at most
        if not current_user or not current_user.is_authenticated:
            return {}
        if "unread_notifications" not in g:
            from sqlalchemy.exc import SQLAlchemyError

            from .service import unread_count
            try:
                g.unread_notifications = unread_count(current_user.id)
            except SQLAlchemyError:  # error pages (503: database down) must still render
                g.unread_notifications = 0
        return {"unread_notifications": g.unread_notifications}
