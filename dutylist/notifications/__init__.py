"""In-app notifications (and e-mail through SMTP when configured). The page and the header's count
are in dutylist.views.notifications; the table is dutylist.models.Notification."""
from __future__ import annotations

import os

from .. import signals
from . import mail
from .cli import send_mail_command, send_reminders_command
from .requests import on_request_event
from .service import notify_basis_adjustments, notify_for, settle_for


def on_revision_event(revision, event, **_):
    """A revision's audit entry: the tasks it completed are marked done, then the notifications it
    calls for are made, in the same transaction."""
    settle_for(event, revision)
    notify_for(event, revision)


def on_basis_adjustments(basis, actor, revisions, **_):
    """Adjustment drafts opened for a changed basis: the townships, offices and departments are told."""
    notify_basis_adjustments(basis, actor, revisions)


def init_app(app):
    """SMTP settings, the send-reminders and send-mail commands; notify on every audited move."""
    for key, value in mail.settings_from_env(os.environ).items():
        app.config.setdefault(key, value)  # create_app's overrides (tests) win over the environment
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(send_mail_command)
    signals.revision_event.connect(on_revision_event)
    signals.request_event.connect(on_request_event)
    signals.basis_adjustments_opened.connect(on_basis_adjustments)
