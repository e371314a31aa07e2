"""E-mail copies of notifications through SMTP, sent only after the transaction commits.

Off unless SMTP_HOST is set. `queue` puts a message in the session's outbox when a notification is
created; the session's after_commit sends what is still there, after_rollback throws it away. A
notification added inside a savepoint that was rolled back is no longer persistent at commit time,
so its message is dropped too: mail never goes out for work that did not happen.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..extensions import db

log = logging.getLogger(__name__)
OUTBOX = "dutylist.mail_outbox"
SETTINGS = ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_STARTTLS",
            "SMTP_TIMEOUT", "PUBLIC_BASE_URL")


def settings_from_env(environ) -> dict:
    """SMTP_* (and PUBLIC_BASE_URL, for absolute links in mail) from the environment."""
    starttls = (environ.get("SMTP_STARTTLS") or "").strip().lower() in ("1", "true", "yes", "on")
    port = environ.get("SMTP_PORT") or ("587" if starttls else "25")
    return {"SMTP_HOST": environ.get("SMTP_HOST") or None, "SMTP_PORT": int(port),
            "SMTP_USER": environ.get("SMTP_USER") or None, "SMTP_PASSWORD": environ.get("SMTP_PASSWORD") or None,
            "SMTP_FROM": environ.get("SMTP_FROM") or None, "SMTP_STARTTLS": starttls,
            "SMTP_TIMEOUT": float(environ.get("SMTP_TIMEOUT") or 10),
            "PUBLIC_BASE_URL": (environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None}


def enabled() -> bool:
    return has_app_context() and bool(current_app.config.get("SMTP_HOST"))


def _message(notification, user, cfg: dict) -> EmailMessage:
    msg = EmailMessage()
    sender = cfg.get("SMTP_FROM") or cfg.get("SMTP_USER") or "dutylist@localhost"
    msg["From"] = sender
    msg["To"] = user.email
    msg["Subject"] = f"[履职事项清单] {notification.text[:60]}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    link = notification.link or ""
    if link and cfg.get("PUBLIC_BASE_URL"):
        link = cfg["PUBLIC_BASE_URL"] + link
    body = [f"{user.display_name}：", "", notification.text]
    if link:
        body += ["", f"查看：{link}"]
    body += ["", "—— 乡镇履职事项清单修订系统（本邮件由系统自动发送，请勿回复）"]
    msg.set_content("\n".join(body), cte="base64")  # 7-bit clean for any relay
    return msg


def queue(notification, user) -> None:
    """Keep an e-mail copy of the notification for after the commit (if SMTP is on and the user has an address)."""
    if not enabled() or not getattr(user, "email", None):
        return
    cfg = {k: current_app.config.get(k) for k in SETTINGS}
    db.session().info.setdefault(OUTBOX, []).append((notification, _message(notification, user, cfg), cfg))


def send(messages: list[EmailMessage], cfg: dict) -> int:
    """Send over one SMTP connection; returns how many were accepted. Failures are logged, not raised."""
    sent = 0
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg.get("SMTP_PORT") or 25),
                          timeout=cfg.get("SMTP_TIMEOUT") or 10) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
            for msg in messages:
                try:
                    smtp.send_message(msg)
                    sent += 1
                except smtplib.SMTPException:
                    log.exception("notification mail to %s refused", msg["To"])
    except (OSError, smtplib.SMTPException):
        log.exception("notification mail: SMTP server %s unavailable", cfg.get("SMTP_HOST"))
    return sent


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    outbox = session.info.pop(OUTBOX, None)
    if not outbox:
        return
    # inspect() reads the object's state without loading it (no SQL after the commit)
    ready = [(msg, cfg) for n, msg, cfg in outbox if inspect(n).persistent]
    batches: dict[tuple, list] = {}
    for msg, cfg in ready:
        batches.setdefault(tuple(sorted(cfg.items(), key=lambda kv: kv[0])), []).append(msg)
    for key, messages in batches.items():
        send(messages, dict(key))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(OUTBOX, None)
